"""Queries on the two caches. Expired rows are filtered out here, once for all callers.

Writes are single statements (an upsert, a delete), so concurrent writers
never see a half-done write or a uniqueness error. Callers commit.
"""

import json

from sqlalchemy import BigInteger, String, Text, bindparam, case, delete, func, literal, select, true
from sqlalchemy import tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.decision import Entry
from app.models import IvrFallback, SiprecFallback

INSERT_BY_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
PURGE_BATCH_ROWS = 1000
KEY_COLUMNS = ("domain", "number")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _on_conflict_replace(statement, columns, keep: dict | None = None):
    """Make an INSERT an upsert: where the key exists, take `columns` from the new row.

    `keep` maps other columns to what they become on a replace (default: untouched).
    """
    replaced = {name: statement.excluded[name] for name in columns if name not in KEY_COLUMNS}
    return statement.on_conflict_do_update(
        index_elements=KEY_COLUMNS, set_={**replaced, **(keep or {})}
    )


def _upsert(session: Session, model, values: dict, keep: dict | None = None) -> None:
    insert = INSERT_BY_DIALECT[_dialect(session)]
    session.execute(_on_conflict_replace(insert(model).values(**values), values, keep))


def _live(model, domain: str, now: int):
    return (model.domain == domain, model.expires_at > now)


def set_ivr_fallback(session: Session, values: dict, now: int) -> None:
    """Create or replace an entry. A replaced live entry keeps its usage counts; one
    that had expired was already gone, so the new entry starts from none."""
    was_live = IvrFallback.expires_at > now
    _upsert(session, IvrFallback, values, keep={
        "use_count": case((was_live, IvrFallback.use_count), else_=0),
        "last_used_at": case((was_live, IvrFallback.last_used_at), else_=None),
        "last_outcome": case((was_live, IvrFallback.last_outcome), else_=None),
    })


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


def get_ivr_fallback(session: Session, domain: str, number: str, now: int) -> IvrFallback | None:
    return session.scalar(
        select(IvrFallback).where(*_live(IvrFallback, domain, now), IvrFallback.number == number)
    )


def list_ivr_numbers(session: Session, domain: str, now: int) -> list[str]:
    return list(
        session.scalars(
            select(IvrFallback.number)
            .where(*_live(IvrFallback, domain, now))
            .order_by(IvrFallback.number)
        )
    )


def delete_ivr_fallback(session: Session, domain: str, number: str, now: int) -> bool:
    result = session.execute(
        delete(IvrFallback).where(*_live(IvrFallback, domain, now), IvrFallback.number == number)
    )
    return result.rowcount > 0


def set_siprec_entries(
    session: Session, domain: str, numbers: list[str], expires_at: int, now: int,
    user: str | None,
) -> None:
    """Create or renew the domain's SIPRec entries for `numbers`, in one statement.

    The numbers travel as one array parameter (PostgreSQL's unnest, SQLite's
    json_each) and the rows are made by the database: one round trip and one
    small statement to compile, whether there is one number or 5,000. Repeated
    numbers are written once.
    """
    dialect = _dialect(session)
    if dialect == "postgresql":
        source = func.unnest(
            bindparam("numbers", numbers, type_=postgresql.ARRAY(Text))
        ).table_valued("value").render_derived()
    else:
        source = func.json_each(bindparam("numbers", json.dumps(numbers))).table_valued("value")
    rows = select(
        literal(domain, String), source.c.value, literal(expires_at, BigInteger),
        literal(now, BigInteger), literal(user, String),
    ).distinct().where(true())  # WHERE: SQLite's parser needs it before ON CONFLICT
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


def purge_expired(session: Session, now: int, batch_rows: int = PURGE_BATCH_ROWS) -> int:
    """Delete expired rows of both caches in small committed batches; return how many.

    Small batches keep each transaction's locks short, so call-time writes
    are never held up behind a large purge.
    """
    purged = 0
    for model in (IvrFallback, SiprecFallback):
        while True:
            batch = (
                select(model.domain, model.number)
                .where(model.expires_at <= now)
                .limit(batch_rows)
            )
            keys = session.execute(batch).all()
            if not keys:
                break
            # Re-check the expiry: a writer may have renewed a row since the select.
            result = session.execute(
                delete(model).where(
                    tuple_(model.domain, model.number).in_(keys), model.expires_at <= now
                )
            )
            session.commit()
            purged += result.rowcount
    return purged


def count_live_entries(session: Session, now: int) -> dict[str, int]:
    """Unexpired entries per cache (for the `cache_entries` metric)."""
    return {
        cache: session.scalar(
            select(func.count()).select_from(model).where(model.expires_at > now)
        )
        for cache, model in (("ivr", IvrFallback), ("siprec", SiprecFallback))
    }
