"""The purge: expired entries, history and the use series beyond retention, deleted in
small committed batches (each function commits its own), and the optional in-process
schedule (CACHE_PURGE_INTERVAL) for single-node setups.

Fleets should run `cache-api purge` from cron or a Kubernetes CronJob instead
(README, "Deployment"): one purger, whatever the number of processes.
"""

import logging
import threading

from sqlalchemy import Engine, bindparam, case, delete, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app import clock
from app.expiration import DAY_SECONDS
from app.storage.models import (
    IvrFallback, IvrFallbackCounter, IvrFallbackHistory, IvrFallbackUse, SiprecFallback,
    UsageFlush,
)
from app.storage.tally import HOUR_SECONDS

PURGE_BATCH_ROWS = 1000

log = logging.getLogger(__name__)


class PurgeSchedule:
    """A daemon thread that deletes expired entries, and history beyond retention
    (`keep_versions` per number, `keep_days`) and the use series beyond `keep_usage_days`,
    every `interval` seconds."""

    def __init__(self, engine: Engine, interval: float, keep_versions: int = 50,
                 keep_days: int = 90, keep_usage_days: int = 90):
        self.engine = engine
        self.interval = interval
        self.keep_versions = keep_versions
        self.keep_days = keep_days
        self.keep_usage_days = keep_usage_days
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cache-purge", daemon=True)

    def start(self) -> "PurgeSchedule":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                with Session(self.engine) as session:
                    purged = purge_expired(session, clock.now())
                    purge_history(session, clock.now(), self.keep_versions, self.keep_days)
                    purge_usage(session, clock.now(), self.keep_usage_days)
            except SQLAlchemyError as error:
                # The database's errors, and the pool's (no connection free in time): the
                # next round retries; expired entries are invisible meanwhile anyway.
                orig = getattr(error, "orig", None)
                log.warning("purge skipped, database error: %s",
                            orig.__class__.__name__ if orig else error.__class__.__name__)
                continue
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("purge failed; the next round runs as planned")
                continue
            if purged:
                log.info("purged %d expired entries", purged)

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

def purge_history(session: Session, now: int, keep_versions: int, keep_days: int,
          batch_rows: int = PURGE_BATCH_ROWS) -> int:
    """Delete history beyond retention in small committed batches; return how many rows.

    A version goes when `keep_versions` newer ones exist, or when it is older
    than `keep_days` and not the number's newest (which stays, so a live entry
    always has its history, and a deleted one says who deleted it).
    """
    history, counter = IvrFallbackHistory, IvrFallbackCounter
    cutoff = now - keep_days * DAY_SECONDS
    beyond = (
        select(history.domain, history.number, history.version)
        .join(counter, (counter.domain == history.domain) & (counter.number == history.number))
        .where(
            (history.version <= counter.version - keep_versions)
            | ((history.at < cutoff) & (history.version < counter.version))
        )
        .limit(batch_rows)
    )
    purged = 0
    while keys := session.execute(beyond).all():
        result = session.execute(
            delete(history).where(tuple_(history.domain, history.number, history.version).in_(keys))
        )
        session.commit()
        purged += result.rowcount
    return purged


# The tally's flush ids are looked up by the next flush of the same process, seconds
# later; a day covers any outage that process outlives.
FLUSH_IDS_KEEP_SECONDS = DAY_SECONDS

_last_use_is_older = (IvrFallback.last_used_at.is_(None)
                      | (IvrFallback.last_used_at <= bindparam("b_at")))
# An entry takes in the use of its series rows that leave the series.
_FOLD_USE = (
    update(IvrFallback)
    .where(IvrFallback.domain == bindparam("b_domain"),
           IvrFallback.number == bindparam("b_number"),
           IvrFallback.created_version == bindparam("b_version"))
    .values(
        use_count=IvrFallback.use_count + bindparam("b_count"),
        last_used_at=case((_last_use_is_older, bindparam("b_at")),
                          else_=IvrFallback.last_used_at),
        last_outcome=case((_last_use_is_older, bindparam("b_outcome")),
                          else_=IvrFallback.last_outcome),
    )
)


def purge_usage(session: Session, now: int, keep_days: int,
                batch_rows: int = PURGE_BATCH_ROWS) -> int:
    """Delete the use series' hours older than `keep_days`, in small committed batches,
    each folding its rows' counts into their entries' own columns (so an entry's count,
    last use and outcome outlive the series); return how many rows. Rows of entries
    deleted since are deleted only. Then the tally's flush ids older than a day."""
    use = IvrFallbackUse
    key = (use.domain, use.number, use.entry_version, use.hour, use.outcome)
    beyond = (
        select(*key, use.count, use.last_at)
        .where(use.hour <= now - keep_days * DAY_SECONDS - HOUR_SECONDS)
        .limit(batch_rows)
    )
    purged = 0
    while rows := session.execute(beyond).all():
        folded: dict[tuple, dict] = {}
        for row in rows:
            entry = folded.setdefault((row.domain, row.number, row.entry_version), {
                "b_domain": row.domain, "b_number": row.number, "b_version": row.entry_version,
                "b_count": 0, "b_at": row.last_at, "b_outcome": row.outcome,
            })
            entry["b_count"] += row.count
            if row.last_at > entry["b_at"]:
                entry["b_at"], entry["b_outcome"] = row.last_at, row.outcome
        # In key order, as the writers of entries lock them.
        session.connection().execute(_FOLD_USE, [folded[entry] for entry in sorted(folded)])
        result = session.execute(
            delete(use).where(tuple_(*key).in_([tuple(row[:5]) for row in rows])))
        session.commit()
        purged += result.rowcount
    flushes = select(UsageFlush.id).where(UsageFlush.at < now - FLUSH_IDS_KEEP_SECONDS)
    while ids := session.execute(flushes.limit(batch_rows)).scalars().all():
        session.execute(delete(UsageFlush).where(UsageFlush.id.in_(ids)))
        session.commit()
    return purged
