"""Fallback-use accounting: applied decisions are counted per entry, hour and outcome, in
batches.

The live-server tests print their figures (run with `-s`).
"""

import re
import threading
import time

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app import clock
from app.storage import tally
from app.storage.tally import FLUSH_BATCH_ROWS, HOUR_SECONDS, UsageRecorder
from app.storage.usage import entry_use
from tests.helpers import DOMAIN, ON_POSTGRES, PLATFORM, READ, WRITE, bearer, make_token
from tests.live_server import server_on

ENTRY = f"/cache/{DOMAIN}/ivrfallback/+4670"
DECISION = f"/platform/{DOMAIN}/ivrfallback/+4670/decision"
HANGUP = {"action": {"type": "hangup"}}


def set_entry(client, auth, mode="onError", path=ENTRY, **extra):
    response = client.post(path, json={"mode": mode, "command": HANGUP, **extra}, headers=auth)
    assert response.status_code == 200, response.text


def usage(engine, number="+4670"):
    """(count, last used at, last outcome) of the live entry, as the usage answer has them."""
    with Session(engine) as session:
        used = entry_use(session, DOMAIN, number, clock.now())
    return None if used is None else (used.count, used.last_used_at, used.last_outcome)


def entry_version(engine, number="+4670") -> int:
    with Session(engine) as session:
        return entry_use(session, DOMAIN, number, clock.now()).entry_version


@pytest.fixture
def hour_start(frozen_clock):
    """The clock at the start of an hour, so that a test's uses fall in one hour."""
    frozen_clock.now -= frozen_clock.now % HOUR_SECONDS
    return frozen_clock


def flush_failures() -> float:
    return REGISTRY.get_sample_value("cache_fallback_usage_flush_failures_total")


@pytest.fixture
def recorder(app) -> UsageRecorder:
    return app.app.extensions["cache_usage"]


def test_applied_decisions_are_counted_after_a_flush(client, auth, platform_auth, engine,
                                                     recorder, hour_start):
    set_entry(client, auth)
    for outcome in ("timeout", "answered", "error", "not-asked", "timeout"):
        client.get(f"{DECISION}?outcome={outcome}", headers=platform_auth)
        hour_start.advance(1)
    client.get(f"{DECISION}?outcome=unreachable", headers=platform_auth)
    assert usage(engine) == (0, None, None)  # nothing written at call time
    # One row per outcome used in the hour, whatever the count.
    assert recorder.flush() == 3
    assert usage(engine) == (4, hour_start.now, "unreachable")


def test_a_flush_writes_the_use_series_and_not_the_entry(client, auth, platform_auth, engine,
                                                         recorder, hour_start):
    set_entry(client, auth)
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    statements = []

    def seen(_connection, _cursor, statement, *_):
        statements.append(statement.split("(")[0].strip())

    event.listen(recorder.engine, "before_cursor_execute", seen)
    try:
        recorder.flush()
    finally:
        event.remove(recorder.engine, "before_cursor_execute", seen)
    assert statements == ["INSERT INTO usage_flush", "INSERT INTO ivr_fallback_use"]
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT number, hour, outcome, count, last_at FROM ivr_fallback_use")).all() == [
            ("+4670", hour_start.now, "timeout", 1, hour_start.now)]


def test_decisions_that_do_not_apply_are_not_counted(client, auth, platform_auth, engine,
                                                     recorder):
    set_entry(client, auth)
    client.get(f"{DECISION}?outcome=answered", headers=platform_auth)
    client.get(f"/platform/{DOMAIN}/ivrfallback/absent/decision?outcome=timeout",
               headers=platform_auth)
    assert recorder.flush() == 0
    assert usage(engine) == (0, None, None)


def test_counts_survive_a_replacing_post(client, auth, platform_auth, engine, recorder,
                                         frozen_clock):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=not-asked", headers=platform_auth)
    recorder.flush()
    set_entry(client, auth, mode="onError", expiration="DAY")
    frozen_clock.advance(1)
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    recorder.flush()
    assert usage(engine) == (2, frozen_clock.now, "timeout")


def test_a_deleted_entry_takes_its_counts_with_it(client, auth, platform_auth, engine, recorder):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    recorder.flush()
    client.delete(ENTRY, headers=auth)
    set_entry(client, auth, mode="always")
    assert usage(engine) == (0, None, None)


def test_an_expired_entry_posted_again_starts_from_no_use(client, auth, platform_auth, engine,
                                                          recorder, frozen_clock):
    set_entry(client, auth, mode="always", expiration="DAY")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    recorder.flush()
    frozen_clock.advance(86_400)
    set_entry(client, auth, mode="always")
    assert usage(engine) == (0, None, None)


def test_a_flush_for_an_entry_deleted_meanwhile_counts_for_no_entry(client, auth,
                                                                    platform_auth, engine,
                                                                    recorder):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    client.delete(ENTRY, headers=auth)
    recorder.flush()
    assert usage(engine) is None


def test_a_deleted_entry_s_use_does_not_pass_to_one_created_in_the_same_window(
        client, auth, platform_auth, engine, recorder):
    # Issue 22, defect 7: the tally was keyed by number, so the flush after a delete and a
    # new POST of the number credited the deleted entry's use to the new one.
    set_entry(client, auth, mode="always")
    for _ in range(3):
        client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    assert client.delete(ENTRY, headers=auth).status_code == 200
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=error", headers=platform_auth)
    recorder.flush()
    used = client.get(f"/manage/{DOMAIN}/ivrfallback/+4670/usage", headers=auth).json()
    assert (used["count"], used["lastOutcome"]) == (1, "error")


def test_a_replaced_entry_keeps_its_use_in_the_same_window(client, auth, platform_auth,
                                                           engine, recorder):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    set_entry(client, auth, mode="always", expiration="DAY")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    recorder.flush()
    assert usage(engine)[0] == 2


def test_a_failed_flush_keeps_the_tally_for_the_next(client, auth, platform_auth, engine,
                                                     recorder, monkeypatch):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)

    def unreachable():
        raise OperationalError("connect", {}, ConnectionRefusedError())

    failures = flush_failures()
    with monkeypatch.context() as patched:
        patched.setattr(recorder.engine, "connect", unreachable)
        assert recorder.flush() == 0
    assert flush_failures() == failures + 1  # for the alert
    client.get(f"{DECISION}?outcome=error", headers=platform_auth)
    assert recorder.flush() == 2  # a row per outcome
    assert flush_failures() == failures + 1
    assert usage(engine)[0] == 2


def test_a_flush_failing_part_way_keeps_only_what_it_did_not_write(client, auth, engine, recorder):
    numbers = [f"+46{index:04d}" for index in range(FLUSH_BATCH_ROWS + 10)]
    for number in numbers:
        set_entry(client, auth, path=f"/cache/{DOMAIN}/ivrfallback/{number}")
    now = int(time.time())
    for number in reversed(numbers):
        recorder.record(DOMAIN, number, entry_version(engine, number), "timeout", now)
    updates = []

    def second_fails(_connection, _cursor, statement, *_):
        if statement.startswith("INSERT INTO ivr_fallback_use"):
            updates.append(statement)
            if len(updates) == 2:
                raise OperationalError(statement, {}, ConnectionRefusedError())

    event.listen(recorder.engine, "before_cursor_execute", second_fails)
    try:
        assert recorder.flush() == FLUSH_BATCH_ROWS
    finally:
        event.remove(recorder.engine, "before_cursor_execute", second_fails)
    # The first transaction wrote the first entries in key order, the second failed.
    assert [usage(engine, number)[0] for number in numbers] == (
        [1] * FLUSH_BATCH_ROWS + [0] * 10)
    assert recorder.flush() == 10
    assert all(usage(engine, number)[0] == 1 for number in numbers)


def failing_commit(patched, engine, committed: bool) -> None:
    """Make COMMIT answer an error; `committed`: after the database carried it out (the
    connection dropped before its answer came back), else before."""
    dialect = engine.dialect
    real = dialect.do_commit

    def do_commit(dbapi_connection):
        if committed:
            real(dbapi_connection)
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    patched.setattr(dialect, "do_commit", do_commit)


def managed_count(client, auth) -> int:
    return client.get(f"/manage/{DOMAIN}/ivrfallback/+4670/usage", headers=auth).json()["count"]


@pytest.mark.parametrize("committed", [True, False], ids=["carried-out", "not-carried-out"])
def test_a_failed_commit_counts_its_batch_exactly_once(client, auth, platform_auth, recorder,
                                                       monkeypatch, committed):
    # Issue 22, defect 14: a COMMIT that fails after the database carried it out was
    # taken for not done, and its batch written again by the next flush.
    set_entry(client, auth, mode="always")
    for _ in range(3):
        client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    with monkeypatch.context() as patched:
        failing_commit(patched, recorder.engine, committed)
        assert recorder.flush() == 0
    assert managed_count(client, auth) == (3 if committed else 0)
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    recorder.flush()
    assert managed_count(client, auth) == 4
    assert recorder.flush() == 0


def test_a_batch_in_doubt_waits_for_the_database_to_say(client, auth, platform_auth, recorder,
                                                        monkeypatch):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
    with monkeypatch.context() as patched:
        failing_commit(patched, recorder.engine, committed=True)
        recorder.flush()

    def unreachable():
        raise OperationalError("connect", {}, ConnectionRefusedError())

    with monkeypatch.context() as patched:
        patched.setattr(recorder.engine, "connect", unreachable)
        assert recorder.flush() == 0  # cannot look the batch up: still in doubt
    recorder.flush()
    assert managed_count(client, auth) == 1


def test_a_failed_commit_keeps_the_batches_after_it(client, auth, engine, recorder, monkeypatch):
    numbers = [f"+46{index:04d}" for index in range(FLUSH_BATCH_ROWS + 10)]
    for number in numbers:
        set_entry(client, auth, path=f"/cache/{DOMAIN}/ivrfallback/{number}")
    now = int(time.time())
    for number in numbers:
        recorder.record(DOMAIN, number, entry_version(engine, number), "timeout", now)
    with monkeypatch.context() as patched:
        failing_commit(patched, recorder.engine, committed=True)
        assert recorder.flush() == 0
    # The first batch was written; the next flush learns so and writes only the rest.
    assert recorder.flush() == 10
    assert all(usage(engine, number)[0] == 1 for number in numbers)


def test_a_flush_that_gets_no_pooled_connection_keeps_the_tally(client, auth, platform_auth,
                                                                engine, recorder, monkeypatch):
    set_entry(client, auth, mode="always")
    client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)

    def pool_exhausted():
        raise PoolTimeout("QueuePool limit reached, connection timed out")

    with monkeypatch.context() as patched:
        patched.setattr(recorder.engine, "connect", pool_exhausted)
        assert recorder.flush() == 0
    assert recorder.flush() == 1
    assert usage(engine)[0] == 1


def test_stopping_writes_the_rest_without_the_pauses(client, auth, engine, monkeypatch):
    # Between its transactions a flush pauses, except at a graceful shutdown, which has
    # gunicorn's graceful timeout to write everything.
    monkeypatch.setattr(tally, "FLUSH_BATCH_PAUSE_SECONDS", 60)
    numbers = [f"+47{index:04d}" for index in range(2 * FLUSH_BATCH_ROWS + 1)]
    recorder_ = UsageRecorder(engine, 3600).start()
    for number in numbers:
        recorder_.record(DOMAIN, number, 1, "timeout", int(time.time()))
    stopping = threading.Thread(target=recorder_.stop)
    stopping.start()
    stopping.join(30)
    assert not stopping.is_alive()
    assert recorder_.flush() == 0  # nothing left behind


def lock_waits(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar()


def wait_for_lock_waits(engine, count: int) -> None:
    deadline = time.monotonic() + 10
    while lock_waits(engine) < count:
        assert time.monotonic() < deadline, f"{count} transactions never waited for a lock"
        time.sleep(0.02)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's writers take turns on one lock: no deadlock")
def test_two_processes_flushing_the_same_entries_at_once_both_write(client, auth, engine):
    # Two workers' tallies of the same two entries, used in opposite orders, flushed at
    # the same moment (as at a graceful shutdown). A third transaction holds the first
    # entry, so that both flushes queue behind it and then run against each other.
    first_number, second_number = "+4671", "+4672"
    for number in (first_number, second_number):
        set_entry(client, auth, path=f"/cache/{DOMAIN}/ivrfallback/{number}")
    now = int(time.time())
    versions = {number: entry_version(engine, number) for number in (first_number, second_number)}
    # A row for the holder to lock: the first entry's use in this hour.
    first = UsageRecorder(engine, 3600)
    first.record(DOMAIN, first_number, versions[first_number], "timeout", now)
    first.flush()
    one, other = UsageRecorder(engine, 3600), UsageRecorder(engine, 3600)
    for recorder_, numbers in ((one, (first_number, second_number)),
                               (other, (second_number, first_number))):
        for number in numbers:
            recorder_.record(DOMAIN, number, versions[number], "timeout", now)
    written = {}

    def flush(name, recorder_):
        written[name] = recorder_.flush()

    threads = [threading.Thread(target=flush, args=(name, recorder_))
               for name, recorder_ in (("one", one), ("other", other))]
    with engine.connect() as holder:
        holder.execute(text("UPDATE ivr_fallback_use SET count = count WHERE number = :n"),
                       {"n": first_number})
        threads[0].start()
        wait_for_lock_waits(engine, 1)
        threads[1].start()
        wait_for_lock_waits(engine, 2)
        holder.commit()
    for thread in threads:
        thread.join(30)

    # In the order each tally was used, the second flush would hold +4672 while waiting
    # for +4671, and the first the reverse: PostgreSQL would fail one ("deadlock detected").
    assert written == {"one": 2, "other": 2}
    assert (usage(engine, first_number)[0], usage(engine, second_number)[0]) == (3, 2)


def test_the_tally_is_written_when_the_app_shuts_down(settings_overrides, engine, auth,
                                                      platform_auth):
    from app import create_app

    app = create_app({**settings_overrides, "usage_flush_interval": 3600})
    with app.test_client() as client:  # its lifespan ends with the block
        set_entry(client, auth, mode="always")
        client.get(f"{DECISION}?outcome=timeout", headers=platform_auth)
        assert usage(engine)[0] == 0
    assert usage(engine)[0] == 1


# --- the real server: several workers, concurrent decisions ---------------------------------

TOKEN = bearer(make_token(scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600))
NUMBERS = ("hot", "warm")


def decide_concurrently(url: str, threads: int, per_thread: int) -> int:
    """Ask `threads * per_thread` decisions that apply; return how many answered 200."""
    answered = []

    def caller(index: int) -> None:
        with httpx.Client(base_url=url, headers=TOKEN, timeout=30) as client:
            for call in range(per_thread):
                number = NUMBERS[(index + call) % len(NUMBERS)]
                response = client.get(f"/platform/{DOMAIN}/ivrfallback/{number}/decision",
                                      params={"outcome": "timeout"})
                answered.append(response.status_code == 200 and response.json()["apply"])

    workers = [threading.Thread(target=caller, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(answered)


def seed_live(url: str) -> None:
    with httpx.Client(base_url=url, headers=TOKEN) as client:
        for number in NUMBERS:
            response = client.post(f"/cache/{DOMAIN}/ivrfallback/{number}",
                                   json={"mode": "onError", "command": HANGUP})
            assert response.status_code == 200


def total_use(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT SUM(count) FROM ivr_fallback_use")).scalar() or 0


def rows_written(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics").text
    found = re.search(r"^cache_fallback_usage_rows_written_total ([0-9.e+]+)$", metrics, re.M)
    return float(found[1]) if found else 0.0


def test_counts_are_exact_across_workers_after_the_flush_window(database_url, engine, tmp_path):
    with server_on(database_url, tmp_path, workers=3, CACHE_USAGE_FLUSH_SECONDS="0.5") as server:
        seed_live(server.url)
        started = time.monotonic()
        applied = decide_concurrently(server.url, threads=8, per_thread=150)
        elapsed = time.monotonic() - started
        deadline = time.monotonic() + 10
        while total_use(engine) < applied and time.monotonic() < deadline:
            time.sleep(0.1)
        counted = total_use(engine)
        writes = rows_written(server.url)
    print(f"\naccounting: {applied} decisions in {elapsed:.1f} s ({applied / elapsed:.0f}/s) "
          f"over 3 workers, {counted} counted, {writes:.0f} row writes "
          f"({1000 * writes / applied:.1f} per 1000 decisions)")
    assert applied == 1200
    assert counted == applied
    # At most one write per entry, worker and window: far fewer than one per decision.
    assert writes < applied / 10


def test_counts_are_flushed_on_sigterm(database_url, engine, tmp_path):
    # A window longer than the test: only the graceful shutdown can write the counts.
    with server_on(database_url, tmp_path, workers=3, CACHE_USAGE_FLUSH_SECONDS="3600") as server:
        seed_live(server.url)
        applied = decide_concurrently(server.url, threads=6, per_thread=50)
        assert total_use(engine) == 0
        started = time.monotonic()
        assert server.stop() == 0
        stopped = time.monotonic() - started
    print(f"\naccounting: {applied} decisions, {total_use(engine)} counted after SIGTERM "
          f"(shutdown took {stopped:.2f} s)")
    assert total_use(engine) == applied == 300
