"""The two caches, keyed by (domain, number); domains are stored lower-case."""

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.db import Base, key_string

DOMAIN_LENGTH = 253
NUMBER_LENGTH = 64


class IvrFallback(Base):
    """The command the platform runs for calls to a number when the customer cannot be asked."""

    __tablename__ = "ivr_fallback"

    domain: Mapped[str] = mapped_column(key_string(DOMAIN_LENGTH), primary_key=True)
    number: Mapped[str] = mapped_column(key_string(NUMBER_LENGTH), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    # The command exactly as posted; JSON (not JSONB) keeps it as sent.
    command: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Unix seconds at which the entry expires (the API's `ttl`).
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    # The token's `sub` that wrote the entry, for audit.
    updated_by: Mapped[str | None] = mapped_column(String(255))
    # Fallback-use accounting (app/storage/tally.py): the entry's use older than the use
    # series keeps (IvrFallbackUse, folded in by the purge); its use is this plus its
    # series rows. Kept when the entry is replaced, gone with it when it is deleted or
    # expires.
    use_count: Mapped[int] = mapped_column(BigInteger, server_default="0")
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    # The history version that created this entry (a write to a live entry keeps it): the
    # use series counts under it, so a deleted entry's use never passes to a new one.
    created_version: Mapped[int] = mapped_column(Integer, server_default="1")
    # The history version (app/storage/history.py) this row is; the entry's ETag. Read with
    # the row anyway, so the ETag costs a GET nothing.
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class IvrFallbackCounter(Base):
    """The last history version handed out per number; outlives the entry.

    Bumped by one upsert at the start of every write, which also locks it until
    the write commits, so concurrent writers of one number get 1, 2, 3, ...
    in commit order, never a duplicate or a gap.
    """

    __tablename__ = "ivr_fallback_counter"

    domain: Mapped[str] = mapped_column(key_string(DOMAIN_LENGTH), primary_key=True)
    number: Mapped[str] = mapped_column(key_string(NUMBER_LENGTH), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class IvrFallbackHistory(Base):
    """Every change of an IVR fallback entry: who, when, what, and the entry after it."""

    __tablename__ = "ivr_fallback_history"

    domain: Mapped[str] = mapped_column(key_string(DOMAIN_LENGTH), primary_key=True)
    number: Mapped[str] = mapped_column(key_string(NUMBER_LENGTH), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unix seconds; indexed for the retention purge by age.
    at: Mapped[int] = mapped_column(BigInteger, index=True)
    by: Mapped[str | None] = mapped_column(String(255))
    # set, delete, restore, renew, import
    action: Mapped[str] = mapped_column(String(16))
    # The entry after the change; all three null after a delete.
    mode: Mapped[str | None] = mapped_column(String(16))
    command: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ttl: Mapped[int | None] = mapped_column(BigInteger)


class IvrFallbackUse(Base):
    """How often an entry was applied at call time, per UTC hour and outcome.

    Written only by the tally's flush (one upsert per row per flush window); read by the
    management API's usage; rows older than the retention are folded into their entry's
    own columns and deleted by the purge.
    """

    __tablename__ = "ivr_fallback_use"

    domain: Mapped[str] = mapped_column(key_string(DOMAIN_LENGTH), primary_key=True)
    number: Mapped[str] = mapped_column(key_string(NUMBER_LENGTH), primary_key=True)
    # The entry's created_version: which entry of this number was used.
    entry_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The hour's start, unix seconds.
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    # The latest use in this hour for this outcome (the entry's lastUsedAt, lastOutcome).
    last_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # The domain's series and top numbers; and the purge's rows by age.
        Index("ix_ivr_fallback_use_domain_hour", "domain", "hour"),
        Index("ix_ivr_fallback_use_hour", "hour"),
    )


class UsageFlush(Base):
    """The tally's committed flush transactions, by id: a flush whose COMMIT failed looks
    its id up here to know whether it was written (so a batch is never counted twice)."""

    __tablename__ = "usage_flush"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Unix seconds; the purge deletes ids older than a day.
    at: Mapped[int] = mapped_column(BigInteger, index=True)


class SiprecFallback(Base):
    """A number whose calls are recorded when the customer's system cannot be asked."""

    __tablename__ = "siprec_fallback"

    domain: Mapped[str] = mapped_column(key_string(DOMAIN_LENGTH), primary_key=True)
    number: Mapped[str] = mapped_column(key_string(NUMBER_LENGTH), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str | None] = mapped_column(String(255))
