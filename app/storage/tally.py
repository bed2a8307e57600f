"""Fallback-use accounting: how often each IVR entry was applied at call time.

The decision is the hottest path of the service, so it never writes: each
applied decision is added to a per-process tally (`record`), and a background
thread writes the tally every `interval` seconds as one UPDATE per entry used,
whatever the number of calls, a few hundred entries per transaction. The factory
creates the recorder; the app's lifespan stops it, which writes what is left. A
process that dies without a graceful shutdown loses at most the last window's counts.
"""

import logging
import threading

from prometheus_client import Counter
from sqlalchemy import Engine, bindparam, case, or_, update
from sqlalchemy.exc import SQLAlchemyError

from app.storage.models import IvrFallback

log = logging.getLogger(__name__)

USAGE_ROWS_WRITTEN = Counter(
    "cache_fallback_usage_rows_written_total",
    "Entry rows updated by the fallback-use accounting (one per entry per flush).",
)
USAGE_FLUSH_FAILURES = Counter(
    "cache_fallback_usage_flush_failures_total",
    "Flushes of the fallback-use tally that failed; their entries are kept for the next.",
)

_last_use_is_older = or_(
    IvrFallback.last_used_at.is_(None), IvrFallback.last_used_at <= bindparam("b_at")
)
# A flush writes at most this many entries per transaction, with this pause between
# transactions. All of a window's entries in one transaction (1,700 of them when the
# benchmark's 1,700 decisions a second pick entries at random) held a worker's CPU for
# 50-110 ms, and SQLite's one write lock for 150-350 ms: the call-time lookups on the
# event loop waited behind it, and every POST did. Issue 10, decision at 32 connections
# on SQLite, A/B of 8 rounds against one transaction per flush: p99 30.9 against
# 35.7 ms, rate and CPU per request the same (1,669 against 1,649 req/s); with no flush
# at all the p99 was 24.3 ms against 33.8. Batches of 50 entries 10 ms apart did as well
# for the p99. With a pooled connection per transaction, either size cost 4 % more CPU
# per request (the index pages read again); on one connection, nothing measurable. A
# window's 1,700 entries take about a quarter of a second to write.
FLUSH_BATCH_ROWS = 200
FLUSH_BATCH_PAUSE_SECONDS = 0.02

# One statement for every entry of a batch (executemany). Several processes flush
# in any order, so the last use only moves forward; counts add up.
ADD_USAGE = (
    update(IvrFallback)
    .where(
        IvrFallback.domain == bindparam("b_domain"),
        IvrFallback.number == bindparam("b_number"),
    )
    .values(
        use_count=IvrFallback.use_count + bindparam("b_count"),
        last_used_at=case((_last_use_is_older, bindparam("b_at")), else_=IvrFallback.last_used_at),
        last_outcome=case(
            (_last_use_is_older, bindparam("b_outcome")), else_=IvrFallback.last_outcome
        ),
    )
)


class UsageRecorder:
    """Tally applied decisions in memory; write them in batches from a daemon thread."""

    def __init__(self, engine: Engine, interval: float):
        self.engine = engine
        self.interval = interval
        # (domain, number) -> [count, last used at, last outcome]
        self._pending: dict[tuple[str, str], list] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cache-usage", daemon=True)

    def start(self) -> "UsageRecorder":
        self._thread.start()
        return self

    def record(self, domain: str, number: str, outcome: str, at: int) -> None:
        """Count one applied decision; costs a dict update under a lock."""
        key = (domain, number)
        with self._lock:
            usage = self._pending.get(key)
            if usage is None:
                self._pending[key] = [1, at, outcome]
            else:
                usage[0] += 1
                if at >= usage[1]:
                    usage[1], usage[2] = at, outcome

    def flush(self) -> int:
        """Write the tally, FLUSH_BATCH_ROWS entries per transaction; return how many
        entry rows were written.

        On a database (or pool) error the entries not yet written are kept for the next flush,
        so an outage shorter than the process's life loses nothing.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        # In key order, as every process writes them: two flushes at once (every worker's
        # at a graceful shutdown) then lock their entries in one order and wait for each
        # other, where in any order they could deadlock, and PostgreSQL would end it by
        # failing one of them, whose counts a shutdown loses.
        used = sorted(pending.items())
        written = 0
        try:
            # One connection for every transaction: on SQLite, each connection has its own
            # page cache, and a fresh one per transaction read the index pages again.
            with self.engine.connect() as connection:
                for start in range(0, len(used), FLUSH_BATCH_ROWS):
                    rows = [
                        {"b_domain": domain, "b_number": number, "b_count": count, "b_at": at,
                         "b_outcome": outcome}
                        for (domain, number), (count, at, outcome)
                        in used[start:start + FLUSH_BATCH_ROWS]
                    ]
                    with connection.begin():
                        connection.execute(ADD_USAGE, rows)
                    written += len(rows)
                    USAGE_ROWS_WRITTEN.inc(len(rows))
                    if written < len(used):
                        # At once when the recorder is stopping: a shutdown writes all now.
                        self._stopped.wait(FLUSH_BATCH_PAUSE_SECONDS)
        except SQLAlchemyError as error:
            # The database's errors, and the pool's: no connection free in time.
            USAGE_FLUSH_FAILURES.inc()
            orig = getattr(error, "orig", None)
            log.warning("fallback usage not written, kept for the next flush: %s",
                        orig.__class__.__name__ if orig else error.__class__.__name__)
            self._restore(dict(used[written:]))
        return written

    def stop(self) -> None:
        """Stop the thread, then write what is left (graceful shutdown)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    def _restore(self, pending: dict) -> None:
        with self._lock:
            for key, (count, at, outcome) in pending.items():
                usage = self._pending.get(key)
                if usage is None:
                    self._pending[key] = [count, at, outcome]
                else:
                    usage[0] += count
                    if at > usage[1]:
                        usage[1], usage[2] = at, outcome

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                USAGE_FLUSH_FAILURES.inc()
                log.exception("fallback usage flush failed")
