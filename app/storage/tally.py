"""Fallback-use accounting: how often each IVR entry was applied at call time.

The decision is the hottest path of the service, so it never writes: each applied
decision is added to a per-process tally (`record`), counted per entry, UTC hour
and outcome. A background thread writes the tally every `interval` seconds into the
use series (`ivr_fallback_use`): one upsert per (entry, hour, outcome) used in the
window, whatever the number of calls, a few hundred rows per transaction. Nothing
updates the entries' own rows; their use is read from the series (app/storage/usage.py).
The factory creates the recorder; the app's lifespan stops it, which writes what is
left. A process that dies without a graceful shutdown loses at most the last window's counts.

Each transaction also records its id in `usage_flush`. A COMMIT that fails may still
have been carried out (the connection dropped after the database committed): such a
batch is kept "in doubt", and the next flush looks its id up before writing it again,
so a batch is never counted twice nor lost.
"""

import logging
import threading
import uuid

from prometheus_client import Counter
from sqlalchemy import Engine, case, select
from sqlalchemy.exc import SQLAlchemyError

from app import clock
from app.storage.models import IvrFallbackUse, UsageFlush
from app.storage.store import INSERT_BY_DIALECT

log = logging.getLogger(__name__)

HOUR_SECONDS = 3600

USAGE_ROWS_WRITTEN = Counter(
    "cache_fallback_usage_rows_written_total",
    "Use series rows written by the fallback-use accounting (one per entry, hour and "
    "outcome per flush).",
)
USAGE_FLUSH_FAILURES = Counter(
    "cache_fallback_usage_flush_failures_total",
    "Flushes of the fallback-use tally that failed; their entries are kept for the next.",
)

# A flush writes at most this many rows per transaction, with this pause between
# transactions, so that call-time lookups and writes are not held up behind one long
# transaction (docs/decisions/0007-usage-flush-batches.md).
FLUSH_BATCH_ROWS = 200
FLUSH_BATCH_PAUSE_SECONDS = 0.02

_USE = IvrFallbackUse.__table__
USE_KEY = ("domain", "number", "entry_version", "hour", "outcome")
RECORD_FLUSH = UsageFlush.__table__.insert()


def add_use_statement(dialect: str):
    """One upsert for every row of a batch (executemany). Several processes flush in any
    order: counts add up and the latest use only moves forward."""
    statement = INSERT_BY_DIALECT[dialect](_USE)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=USE_KEY,
        set_={
            "count": _USE.c.count + new.count,
            "last_at": case((new.last_at > _USE.c.last_at, new.last_at), else_=_USE.c.last_at),
        },
    )


def _add(tally: dict, key: tuple, count: int, at: int) -> None:
    usage = tally.get(key)
    if usage is None:
        tally[key] = [count, at]
    else:
        usage[0] += count
        if at > usage[1]:
            usage[1] = at


class UsageRecorder:
    """Tally applied decisions in memory; write them in batches from a daemon thread."""

    def __init__(self, engine: Engine, interval: float):
        self.engine = engine
        self.interval = interval
        self._add_use = add_use_statement(engine.dialect.name)
        # (domain, number, entry version, hour, outcome) -> [count, latest use]
        self._pending: dict[tuple, list] = {}
        # Batches whose transaction did not answer COMMIT: flush id -> batch.
        self._in_doubt: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cache-usage", daemon=True)

    def start(self) -> "UsageRecorder":
        self._thread.start()
        return self

    def record(self, domain: str, number: str, entry_version: int, outcome: str,
               at: int) -> None:
        """Count one applied decision of the entry created at `entry_version`; costs a
        dict update under a lock."""
        key = (domain, number, entry_version, at - at % HOUR_SECONDS, outcome)
        with self._lock:
            _add(self._pending, key, 1, at)

    def flush(self) -> int:
        """Write the tally, FLUSH_BATCH_ROWS rows per transaction; return how many rows
        were written.

        On a database (or pool) error the rows not yet written are kept for the next
        flush, so an outage shorter than the process's life loses nothing.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
            in_doubt, self._in_doubt = self._in_doubt, {}
        if not pending and not in_doubt:
            return 0
        unsent: list[dict] = [pending]
        written = 0
        try:
            # One connection for every transaction: on SQLite, each connection has its own
            # page cache, and a fresh one per transaction read the index pages again.
            with self.engine.connect() as connection:
                if in_doubt:
                    for batch in self._unwritten(connection, in_doubt):
                        for key, (count, at) in batch.items():
                            _add(pending, key, count, at)
                    in_doubt = {}
                # In key order, as every process writes them: two flushes at once (every
                # worker's at a graceful shutdown) then lock their rows in one order and
                # wait for each other, where in any order they could deadlock, and
                # PostgreSQL would end it by failing one of them.
                used = sorted(pending.items())
                unsent = [dict(used[start:start + FLUSH_BATCH_ROWS])
                          for start in range(0, len(used), FLUSH_BATCH_ROWS)]
                while unsent:
                    batch, flush_id = unsent.pop(0), uuid.uuid4().hex
                    in_doubt[flush_id] = batch
                    with connection.begin():
                        connection.execute(RECORD_FLUSH, {"id": flush_id, "at": clock.now()})
                        connection.execute(self._add_use, [
                            dict(zip(USE_KEY, key), count=count, last_at=at)
                            for key, (count, at) in batch.items()
                        ])
                    del in_doubt[flush_id]
                    written += len(batch)
                    USAGE_ROWS_WRITTEN.inc(len(batch))
                    if unsent:
                        # At once when the recorder is stopping: a shutdown writes all now.
                        self._stopped.wait(FLUSH_BATCH_PAUSE_SECONDS)
        except SQLAlchemyError as error:
            # The database's errors, and the pool's: no connection free in time.
            USAGE_FLUSH_FAILURES.inc()
            orig = getattr(error, "orig", None)
            log.warning("fallback usage not written, kept for the next flush: %s",
                        orig.__class__.__name__ if orig else error.__class__.__name__)
            with self._lock:
                self._in_doubt.update(in_doubt)
                for batch in unsent:
                    for key, (count, at) in batch.items():
                        _add(self._pending, key, count, at)
        return written

    @staticmethod
    def _unwritten(connection, in_doubt: dict[str, dict]) -> list[dict]:
        """The batches in doubt that the database has no record of: they were not written."""
        ids = list(in_doubt)
        written = set(connection.execute(
            select(UsageFlush.id).where(UsageFlush.id.in_(ids))).scalars())
        connection.commit()  # end the read's transaction before the writes begin theirs
        return [batch for flush_id, batch in in_doubt.items() if flush_id not in written]

    def stop(self) -> None:
        """Stop the thread, then write what is left (graceful shutdown)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                USAGE_FLUSH_FAILURES.inc()
                log.exception("fallback usage flush failed")
