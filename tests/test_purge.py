"""Purging expired entries: in batches, from the command or the in-process schedule."""

import time

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app import create_app
from app.storage import history, purge, store
from app.storage.models import IvrFallback, SiprecFallback


def add_entries(engine, now: int, expired: int, live: int) -> None:
    with Session(engine) as session:
        for index in range(expired + live):
            expires_at = now - 1 - index if index < expired else now + 3600
            values = {"domain": "example.com", "number": f"n{index}", "expires_at": expires_at,
                      "updated_at": now}
            store.set_siprec_entries(session, "example.com", [values["number"]], expires_at, now,
                                     None)
            history.set_entry(session, "example.com", values["number"], history.Change(
                "always", {"action": {"type": "hangup"}}, expires_at), by=None, now=now)
        session.commit()


def counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (IvrFallback, SiprecFallback))


def test_purge_deletes_in_bounded_batches(engine, frozen_clock):
    add_entries(engine, frozen_clock.now, expired=25, live=5)
    with Session(engine) as session:
        purged = purge.purge_expired(session, frozen_clock.now, batch_rows=10)
    assert purged == 50
    assert counts(engine) == (5, 5)


def test_in_process_schedule_purges_by_itself(settings_overrides, engine, frozen_clock):
    add_entries(engine, frozen_clock.now, expired=3, live=2)
    app = create_app({**settings_overrides, "purge_interval": 0.05})
    schedule = app.app.extensions["cache_purge"]
    try:
        deadline = time.monotonic() + 10
        while counts(engine) != (2, 2) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        schedule.stop()
    assert counts(engine) == (2, 2)


def test_no_schedule_unless_configured(app):
    assert "cache_purge" not in app.app.extensions


def wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_schedule_outlives_a_pool_timeout(database_url, engine, frozen_clock, caplog):
    """No connection free in time (sqlalchemy's TimeoutError, not a DBAPIError): the round
    is skipped, and the next one purges."""
    add_entries(engine, frozen_clock.now, expired=3, live=2)
    # One connection, taken by the test: the schedule's checkout times out.
    tight = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.05)
    held = tight.connect()
    schedule = purge.PurgeSchedule(tight, interval=0.05).start()
    try:
        assert wait_until(lambda: any("TimeoutError" in record.getMessage()
                                      for record in caplog.records))
        held.close()
        assert wait_until(lambda: counts(engine) == (2, 2))
    finally:
        schedule.stop()
        tight.dispose()


def test_the_schedule_outlives_any_error(engine, frozen_clock, monkeypatch, caplog):
    """A failure that is no database's (here a bug's ValueError) is logged, and the next
    round runs."""
    add_entries(engine, frozen_clock.now, expired=3, live=2)
    real, calls = purge.purge_expired, []

    def fails_once(session, now):
        calls.append(now)
        if len(calls) == 1:
            raise ValueError("a bug")
        return real(session, now)

    monkeypatch.setattr(purge, "purge_expired", fails_once)
    schedule = purge.PurgeSchedule(engine, interval=0.05).start()
    try:
        assert wait_until(lambda: counts(engine) == (2, 2))
    finally:
        schedule.stop()
    assert any(record.exc_info and isinstance(record.exc_info[1], ValueError)
               for record in caplog.records)
