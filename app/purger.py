"""The optional in-process purge schedule (CACHE_PURGE_INTERVAL), for single-node setups.

Fleets should run `cache-api purge` from cron or a Kubernetes CronJob instead
(README, "Deployment"): one purger, whatever the number of processes.
"""

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import clock, history
from app.store import purge_expired

log = logging.getLogger(__name__)


class PurgeSchedule:
    """A daemon thread that deletes expired entries, and history beyond retention
    (`keep_versions` per number, `keep_days`), every `interval` seconds."""

    def __init__(self, engine: Engine, interval: float, keep_versions: int = 50,
                 keep_days: int = 90):
        self.engine = engine
        self.interval = interval
        self.keep_versions = keep_versions
        self.keep_days = keep_days
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
                    history.purge(session, clock.now(), self.keep_versions, self.keep_days)
            except DBAPIError as error:
                # Next round will retry; expired entries are invisible meanwhile anyway.
                log.warning("purge skipped, database error: %s", error.orig.__class__.__name__)
                continue
            if purged:
                log.info("purged %d expired entries", purged)
