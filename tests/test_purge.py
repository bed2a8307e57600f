"""Purging expired entries: in batches, from the command or the in-process schedule."""

import time

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app import create_app
from app.expiration import DAY_SECONDS
from app.storage import history, purge, store
from app.storage.models import IvrFallback, IvrFallbackUse, SiprecFallback, UsageFlush
from app.storage.tally import UsageRecorder
from app.storage.usage import entry_use


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


# --- the use series beyond retention ----------------------------------------------------------

DOMAIN = "example.com"
HANGUP = {"action": {"type": "hangup"}}


def set_entry(engine, number: str, now: int) -> int:
    """Create or replace the entry; return the version that created it."""
    with Session(engine) as session:
        history.set_entry(session, DOMAIN, number, history.Change("always", HANGUP, now + 3600),
                          by=None, now=now)
        return entry_use(session, DOMAIN, number, now).entry_version


def use_of(engine, number: str, now: int):
    with Session(engine) as session:
        used = entry_use(session, DOMAIN, number, now)
        return (used.count, used.last_used_at, used.last_outcome)


def series_rows(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(IvrFallbackUse))


def test_use_beyond_retention_leaves_the_series_and_stays_in_the_entry(engine, frozen_clock):
    now = frozen_clock.now
    old, recent = now - 91 * DAY_SECONDS, now - 3600
    kept, only_old, replaced = (set_entry(engine, number, now) for number in ("kept", "old", "b"))
    recorder = UsageRecorder(engine, 3600)
    for at, outcome in ((old, "timeout"), (old, "timeout"), (old + 5, "error"),
                        (recent, "answered")):
        recorder.record(DOMAIN, "kept", kept, outcome, at)
    recorder.record(DOMAIN, "old", only_old, "unreachable", old + 7)
    recorder.record(DOMAIN, "b", replaced, "timeout", old)
    recorder.flush()
    # b deleted and posted again: the old b's use goes with the series, folded nowhere.
    with Session(engine) as session:
        history.delete_entry(session, DOMAIN, "b", by=None, now=now)
    set_entry(engine, "b", now)
    before = {number: use_of(engine, number, now) for number in ("kept", "old", "b")}
    assert before == {"kept": (4, recent, "answered"), "old": (1, old + 7, "unreachable"),
                      "b": (0, None, None)}

    with Session(engine) as session:
        purged = purge.purge_usage(session, now, keep_days=90, batch_rows=1)
    assert purged == 4  # kept's two old rows, old's, and the old b's
    assert series_rows(engine) == 1  # kept's recent hour
    assert {number: use_of(engine, number, now) for number in before} == before
    with Session(engine) as session:
        assert session.execute(
            select(IvrFallback.number, IvrFallback.use_count).order_by(IvrFallback.number)
        ).all() == [("b", 0), ("kept", 3), ("old", 1)]


def test_the_series_is_kept_for_its_retention(engine, frozen_clock):
    now = frozen_clock.now
    version = set_entry(engine, "n", now)
    recorder = UsageRecorder(engine, 3600)
    recorder.record(DOMAIN, "n", version, "timeout", now - 89 * DAY_SECONDS)
    recorder.flush()
    with Session(engine) as session:
        assert purge.purge_usage(session, now, keep_days=90) == 0
        assert purge.purge_usage(session, now, keep_days=88) == 1


def test_flush_ids_are_kept_for_a_day(engine, frozen_clock):
    now = frozen_clock.now
    with Session(engine) as session:
        session.execute(UsageFlush.__table__.insert(), [
            {"id": "old", "at": now - DAY_SECONDS - 1}, {"id": "new", "at": now - 60}])
        session.commit()
        purge.purge_usage(session, now, keep_days=90)
        assert session.scalars(select(UsageFlush.id)).all() == ["new"]


def test_in_process_schedule_purges_the_series(settings_overrides, engine, frozen_clock):
    version = set_entry(engine, "n", frozen_clock.now)
    recorder = UsageRecorder(engine, 3600)
    recorder.record(DOMAIN, "n", version, "timeout", frozen_clock.now - 100 * DAY_SECONDS)
    recorder.flush()
    app = create_app({**settings_overrides, "purge_interval": 0.05, "usage_days": 30})
    schedule = app.app.extensions["cache_purge"]
    try:
        deadline = time.monotonic() + 10
        while series_rows(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        schedule.stop()
    assert series_rows(engine) == 0
    assert use_of(engine, "n", frozen_clock.now)[0] == 1
