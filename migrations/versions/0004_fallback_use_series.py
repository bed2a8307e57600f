"""Fallback use over time: counts per entry, UTC hour and outcome; the tally's flush ledger.

Revision ID: 0004
Revises: 0003

Existing entries keep their counts in their own columns (the use before the series)
and take their current version as the version that created them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def key_string(length: int) -> sa.String:
    # As app.storage.db.key_string: plain string order on PostgreSQL too.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.add_column(
            sa.Column("created_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.execute("UPDATE ivr_fallback SET created_version = version")
    op.create_table(
        "ivr_fallback_use",
        sa.Column("domain", key_string(253), nullable=False),
        sa.Column("number", key_string(64), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "domain", "number", "entry_version", "hour", "outcome",
            name=op.f("pk_ivr_fallback_use"),
        ),
    )
    op.create_index(
        op.f("ix_ivr_fallback_use_domain_hour"), "ivr_fallback_use", ["domain", "hour"]
    )
    op.create_index(op.f("ix_ivr_fallback_use_hour"), "ivr_fallback_use", ["hour"])
    op.create_table(
        "usage_flush",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_flush")),
    )
    op.create_index(op.f("ix_usage_flush_at"), "usage_flush", ["at"])


def downgrade() -> None:
    # The series' use is folded into the entries' own counts first, so a downgrade
    # loses the shape of the use, not its amount.
    op.execute(
        "UPDATE ivr_fallback SET use_count = use_count + COALESCE(("
        " SELECT SUM(u.count) FROM ivr_fallback_use u WHERE u.domain = ivr_fallback.domain"
        " AND u.number = ivr_fallback.number"
        " AND u.entry_version = ivr_fallback.created_version), 0)"
    )
    op.drop_index(op.f("ix_usage_flush_at"), table_name="usage_flush")
    op.drop_table("usage_flush")
    op.drop_index(op.f("ix_ivr_fallback_use_hour"), table_name="ivr_fallback_use")
    op.drop_index(op.f("ix_ivr_fallback_use_domain_hour"), table_name="ivr_fallback_use")
    op.drop_table("ivr_fallback_use")
    with op.batch_alter_table("ivr_fallback") as batch:
        batch.drop_column("created_version")
