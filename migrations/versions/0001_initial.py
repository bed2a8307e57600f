"""The IVR fallback and SIPRec fallback caches.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def key_string(length: int) -> sa.String:
    # As app.storage.db.key_string: plain string order on PostgreSQL too.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ivr_fallback",
        sa.Column("domain", key_string(253), nullable=False),
        sa.Column("number", key_string(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("domain", "number", name=op.f("pk_ivr_fallback")),
    )
    op.create_index(op.f("ix_ivr_fallback_expires_at"), "ivr_fallback", ["expires_at"])
    op.create_table(
        "siprec_fallback",
        sa.Column("domain", key_string(253), nullable=False),
        sa.Column("number", key_string(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("domain", "number", name=op.f("pk_siprec_fallback")),
    )
    op.create_index(op.f("ix_siprec_fallback_expires_at"), "siprec_fallback", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_siprec_fallback_expires_at"), table_name="siprec_fallback")
    op.drop_table("siprec_fallback")
    op.drop_index(op.f("ix_ivr_fallback_expires_at"), table_name="ivr_fallback")
    op.drop_table("ivr_fallback")
