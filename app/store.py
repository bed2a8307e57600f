"""Queries on the two caches. Expired rows are filtered out here, once for all callers.

Writes are single statements (an upsert, a delete), so concurrent writers
never see a half-done write or a uniqueness error. Callers commit.
"""

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import IvrFallback, SiprecFallback

INSERT_BY_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
PURGE_BATCH_ROWS = 1000


def _upsert(session: Session, model, values: dict) -> None:
    insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
    statement = insert(model).values(**values)
    keys = ("domain", "number")
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: statement.excluded[name] for name in values if name not in keys},
    )
    session.execute(statement)


def _live(model, domain: str, now: int):
    return (model.domain == domain, model.expires_at > now)


def set_ivr_fallback(session: Session, values: dict) -> None:
    _upsert(session, IvrFallback, values)


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


def set_siprec_entry(session: Session, values: dict) -> None:
    _upsert(session, SiprecFallback, values)


def siprec_in_cache(session: Session, domain: str, number: str, now: int) -> bool:
    found = session.scalar(
        select(SiprecFallback.number).where(
            *_live(SiprecFallback, domain, now), SiprecFallback.number == number
        )
    )
    return found is not None


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
