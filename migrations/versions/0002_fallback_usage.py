"""How often each IVR fallback was applied at call time (fallback-use accounting).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot drop columns in place (the downgrade).
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.add_column(
            sa.Column("use_count", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_used_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_outcome", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.drop_column("last_outcome")
        batch.drop_column("last_used_at")
        batch.drop_column("use_count")
