"""Bulk writes of the SIPRec cache lock their rows in one order, so they never deadlock.

PostgreSQL locks each row an upsert writes until commit: bulk writes that take shared
rows in different orders can each wait for another's, and the server aborts one of them
(a 503 to the platform). SQLite takes one write lock for the whole database, so there
the question does not arise.
"""

import random
import threading

import pytest
from sqlalchemy.orm import Session

from app.storage import store
from tests.helpers import DOMAIN, ON_POSTGRES

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks: PostgreSQL only (CACHE_TEST_ENGINE=postgresql)"
)
# Up to this many rounds, each of WRITERS concurrent bulk writes; the test stops at the
# first failure. Without one lock order, a round deadlocked about every other time here
# (each deadlock costs PostgreSQL's deadlock_timeout, a second, to detect).
ROUNDS = 40
WRITERS = 4
NUMBERS = [f"+46{index:07d}" for index in range(200)]


def test_concurrent_bulk_writes_of_shared_numbers_do_not_deadlock(engine, frozen_clock):
    now, draw = frozen_clock.now, random.Random(22)
    failures: list[BaseException] = []

    def write(numbers: list[str], started: threading.Barrier) -> None:
        with Session(engine) as session:
            session.connection()
            started.wait()
            try:
                store.set_siprec_entries(session, DOMAIN, numbers, now + 3600, now, "platform")
                session.commit()
            except Exception as error:  # noqa: BLE001 - the test reports every failure
                failures.append(error)

    for _ in range(ROUNDS):
        # Overlapping sets of numbers, each in an order of its own (one of them reversed).
        writes = [draw.sample(NUMBERS, draw.randint(20, len(NUMBERS))) for _ in range(WRITERS)]
        writes[0] = writes[1][::-1]
        started = threading.Barrier(WRITERS)
        threads = [threading.Thread(target=write, args=(numbers, started)) for numbers in writes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            break
    assert failures == []
    with Session(engine) as session:
        assert all(store.siprec_expiry(session, DOMAIN, number, now) == now + 3600
                   for number in writes[1])
