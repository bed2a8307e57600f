"""Queries on the two caches. Expired rows are filtered out here, once for all callers.

Writes are single statements (an upsert, a delete), so concurrent writers
never see a half-done write or a uniqueness error. They never commit: each is one
step of its caller's transaction. Writes of
IVR entries, which leave a history version, live in app/storage/history.py.
"""

import json

from sqlalchemy import BigInteger, String, Text, bindparam, delete, func, literal, select
from sqlalchemy import true, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.decision import Entry
from app.storage.models import IvrFallback, SiprecFallback

INSERT_BY_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
KEY_COLUMNS = ("domain", "number")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _on_conflict_replace(statement, columns):
    """Make an INSERT an upsert: where the key exists, take `columns` from the new row."""
    replaced = {name: statement.excluded[name] for name in columns if name not in KEY_COLUMNS}
    return statement.on_conflict_do_update(index_elements=KEY_COLUMNS, set_=replaced)


def _live(model, domain: str, now: int):
    return (model.domain == domain, model.expires_at > now)


# Built once: on the hot path, building the expression cost more than the lookup.
_LIVE_ENTRY = select(IvrFallback.mode, IvrFallback.expires_at, IvrFallback.command).where(
    IvrFallback.domain == bindparam("domain"),
    IvrFallback.number == bindparam("number"),
    IvrFallback.expires_at > bindparam("now"),
)


def ivr_decision_entry(session: Session, domain: str, number: str, now: int) -> Entry | None:
    """The live entry's mode, expiry and command, by primary key.

    A Core statement on the session's connection: the ORM's execute path costs
    about three times the query itself here, and builds nothing this needs.
    """
    row = session.connection().execute(
        _LIVE_ENTRY, {"domain": domain, "number": number, "now": now}
    ).first()
    return None if row is None else Entry(*row)


# The call-time decision's: the same lookup, with the version that created the entry
# (its use is counted under it, app/storage/tally.py) and its current version (whether
# the worker's remembered copy changed, app/decision_memory.py).
_CALL_TIME_ENTRY = _LIVE_ENTRY.add_columns(IvrFallback.created_version, IvrFallback.version)


def ivr_call_time_entry(session: Session, domain: str, number: str,
                        now: int) -> tuple[Entry | None, int | None, int | None]:
    """The live entry as `ivr_decision_entry` gives it, the version that created it, and
    its current version."""
    row = session.connection().execute(
        _CALL_TIME_ENTRY, {"domain": domain, "number": number, "now": now}
    ).first()
    return (None, None, None) if row is None else (Entry(*row[:3]), row[3], row[4])


# The public GET's: the same lookup, with the version that is the entry's ETag.
_PUBLIC_ENTRY = _LIVE_ENTRY.add_columns(IvrFallback.version)


def get_ivr_fallback(session: Session, domain: str, number: str, now: int):
    """The live entry's mode, expires_at, command and version (its ETag), or None.

    Core, prebuilt, on the session's connection, like `ivr_decision_entry`.
    """
    return session.connection().execute(
        _PUBLIC_ENTRY, {"domain": domain, "number": number, "now": now}
    ).first()


_LIVE_NUMBERS = (
    select(IvrFallback.number)
    .where(IvrFallback.domain == bindparam("domain"), IvrFallback.expires_at > bindparam("now"))
    .order_by(IvrFallback.number)
)
# SQLite keeps a subquery's ORDER BY under an aggregate whose result depends on it.
_LIVE_NUMBERS_AS_JSON = select(func.json_group_array(_LIVE_NUMBERS.subquery().c.number))


def live_numbers_json(session: Session, domain: str, now: int) -> str:
    """The domain's live numbers in plain string order, as a compact JSON array.

    SQLite writes the array itself: one value instead of a row per number, where each
    fetched row let go of the GIL and took it back, which with other requests running
    cost more than the query. PostgreSQL's rows come in one piece (psycopg reads the
    whole result at once), and there the aggregate would cost more than the rows: its
    ORDER BY sorts them again, and a subquery's order is not promised to it
    (docs/decisions/0008-numbers-as-json.md).
    """
    parameters = {"domain": domain, "now": now}
    connection = session.connection()
    if _dialect(session) == "sqlite":
        return connection.execute(_LIVE_NUMBERS_AS_JSON, parameters).scalar_one()
    numbers = connection.execute(_LIVE_NUMBERS, parameters).scalars().all()
    return json.dumps(numbers, separators=(",", ":"))


# Where a text occurs in a number, case-sensitively on both engines (SQLite's LIKE is not).
_POSITION_BY_DIALECT = {"postgresql": func.strpos, "sqlite": func.instr}


def page_of_numbers(session: Session, domain: str, now: int, limit: int,
                    after: str | None = None, contains: str | None = None) -> list:
    """(number, mode, expires_at) of up to `limit` live entries of the domain after
    `after`, in plain string order; with `contains`, only numbers holding that text.

    Keyset paging: the primary key (domain, number) gives the rows in order from
    `after`, so a page costs the same however deep it is. A search reads the domain's
    part of that key until the page is full: the whole domain at worst, never other
    domains (docs/decisions/0012-paged-numbers.md).
    """
    statement = (
        select(IvrFallback.number, IvrFallback.mode, IvrFallback.expires_at)
        .where(*_live(IvrFallback, domain, now))
        .order_by(IvrFallback.number)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(IvrFallback.number > after)
    if contains is not None:
        position = _POSITION_BY_DIALECT[_dialect(session)]
        statement = statement.where(position(IvrFallback.number, contains) > 0)
    return session.execute(statement).all()


def set_siprec_entries(
    session: Session, domain: str, numbers: list[str], expires_at: int, now: int,
    user: str | None,
) -> None:
    """Create or renew the domain's SIPRec entries for `numbers`, in one statement.

    The numbers travel as one array parameter (PostgreSQL's unnest, SQLite's
    json_each) and the rows are made by the database: one round trip and one
    small statement to compile, whether there is one number or 5,000. Repeated
    numbers are written once. Rows are written in number order: PostgreSQL locks
    each until commit, and writes that took shared rows in different orders (the
    DISTINCT's hash order depends on the set) could deadlock.
    """
    dialect = _dialect(session)
    if dialect == "postgresql":
        source = func.unnest(
            bindparam("numbers", numbers, type_=postgresql.ARRAY(Text))
        ).table_valued("value").render_derived()
    else:
        source = func.json_each(bindparam("numbers", json.dumps(numbers))).table_valued("value")
    # WHERE: SQLite's parser needs it before ON CONFLICT; ORDER BY: one lock order.
    rows = select(
        literal(domain, String), source.c.value, literal(expires_at, BigInteger),
        literal(now, BigInteger), literal(user, String),
    ).distinct().where(true()).order_by(source.c.value)
    columns = ("domain", "number", "expires_at", "updated_at", "updated_by")
    statement = INSERT_BY_DIALECT[dialect](SiprecFallback).from_select(columns, rows)
    session.execute(_on_conflict_replace(statement, columns))


def siprec_expiry(session: Session, domain: str, number: str, now: int) -> int | None:
    """The live SIPRec entry's expiry (unix seconds), or None when not in the cache."""
    return session.scalar(
        select(SiprecFallback.expires_at).where(
            *_live(SiprecFallback, domain, now), SiprecFallback.number == number
        )
    )


def delete_siprec_entry(session: Session, domain: str, number: str, now: int) -> bool:
    result = session.execute(
        delete(SiprecFallback).where(
            *_live(SiprecFallback, domain, now), SiprecFallback.number == number
        )
    )
    return result.rowcount > 0


def renew_siprec_entry(
    session: Session, domain: str, number: str, expires_at: int, by: str | None, now: int
) -> bool:
    """Set a live SIPRec entry's expiry; False when there is none (absent or expired)."""
    result = session.execute(
        update(SiprecFallback)
        .where(*_live(SiprecFallback, domain, now), SiprecFallback.number == number)
        .values(expires_at=expires_at, updated_at=now, updated_by=by)
    )
    return result.rowcount > 0


def expiring_entries(session: Session, domain: str, now: int, until: int, limit: int) -> list:
    """(cache, number, ttl) of both caches' live entries expiring by `until`, soonest first."""
    parts = [
        select(literal(cache).label("cache"), model.number, model.expires_at.label("ttl")).where(
            *_live(model, domain, now), model.expires_at <= until
        )
        for cache, model in (("ivr", IvrFallback), ("siprec", SiprecFallback))
    ]
    ordered = union_all(*parts).subquery()
    return session.execute(
        select(ordered).order_by(ordered.c.ttl, ordered.c.cache, ordered.c.number).limit(limit)
    ).all()


def export_ivr_entries(session: Session, domain: str, now: int) -> list:
    """(number, mode, ttl, command) of the domain's live entries, by number."""
    return session.execute(
        select(IvrFallback.number, IvrFallback.mode, IvrFallback.expires_at, IvrFallback.command)
        .where(*_live(IvrFallback, domain, now))
        .order_by(IvrFallback.number)
    ).all()


def count_live_entries(session: Session, now: int, until: int | None = None) -> dict[str, int]:
    """Unexpired entries per cache (the `cache_entries` metric); with `until`, only those
    expiring by then (`cache_entries_expiring_soon`)."""
    def live(model):
        return (model.expires_at > now,) + (() if until is None else (model.expires_at <= until,))

    return {
        cache: session.scalar(select(func.count()).select_from(model).where(*live(model)))
        for cache, model in (("ivr", IvrFallback), ("siprec", SiprecFallback))
    }
