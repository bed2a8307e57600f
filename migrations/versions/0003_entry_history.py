"""Entry versions (the ETag), the per-number version counter and the change history.

Revision ID: 0003
Revises: 0002

Upgrading a populated database gives every existing entry version 1, a counter
at 1 and one `set` history row (by and at from the entry's own audit columns),
so every live entry has a history and an ETag from the start.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def key_string(length: int) -> sa.String:
    # As app.storage.db.key_string: plain string order on PostgreSQL too.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "ivr_fallback_counter",
        sa.Column("domain", key_string(253), nullable=False),
        sa.Column("number", key_string(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("domain", "number", name=op.f("pk_ivr_fallback_counter")),
    )
    op.create_table(
        "ivr_fallback_history",
        sa.Column("domain", key_string(253), nullable=False),
        sa.Column("number", key_string(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.String(255), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("command", sa.JSON(), nullable=True),
        sa.Column("ttl", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "domain", "number", "version", name=op.f("pk_ivr_fallback_history")
        ),
    )
    op.create_index(op.f("ix_ivr_fallback_history_at"), "ivr_fallback_history", ["at"])
    op.execute(
        "INSERT INTO ivr_fallback_counter (domain, number, version) "
        "SELECT domain, number, 1 FROM ivr_fallback"
    )
    op.execute(
        "INSERT INTO ivr_fallback_history "
        "(domain, number, version, at, by, action, mode, command, ttl) "
        "SELECT domain, number, 1, updated_at, updated_by, 'set', mode, command, expires_at "
        "FROM ivr_fallback"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ivr_fallback_history_at"), table_name="ivr_fallback_history")
    op.drop_table("ivr_fallback_history")
    op.drop_table("ivr_fallback_counter")
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.drop_column("version")
