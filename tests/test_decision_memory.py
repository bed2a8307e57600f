"""Decisions answered from a worker's memory while no database answers (app/decision_memory.py).

The database is reached through a TCP proxy that the tests cut (refused connections:
no database at all, since these apps have no replica); a black hole, and a replica,
are tests/test_bounded_waits.py's.
"""

import json
import time

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import delete, make_url

from app import create_app
from app.decision import Entry
from app.decision_memory import ENTRY_OVERHEAD_BYTES, DecisionMemory
from app.storage.models import IvrFallback
from tests.helpers import DOMAIN, ON_POSTGRES, PLATFORM, READ, SECRET, WRITE, bearer, \
    make_token

needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="an embedded SQLite database cannot become unreachable")

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM)))
MANAGE = f"/manage/{DOMAIN}"


def entry_path(number: str) -> str:
    return f"/cache/{DOMAIN}/ivrfallback/{number}"


def decision_path(number: str, outcome: str = "timeout") -> str:
    return f"/platform/{DOMAIN}/ivrfallback/{number}/decision?outcome={outcome}"


def body(address: str, mode: str = "always", **fields) -> dict:
    return {"mode": mode, "command": {"action": {"type": "call", "destAddr": address}},
            **fields}


def remembered_count() -> float:
    return REGISTRY.get_sample_value("cache_remembered_decisions_total") or 0.0


@pytest.fixture
def app_on(tmp_path, database_url, proxy):
    """An app reaching the database only through the proxy, with memory settings given."""
    apps = []

    def build(**settings):
        url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
        apps.append(create_app({
            "instance_path": tmp_path, "jwt_secret": SECRET, "validate_responses": True,
            "database_url": url.render_as_string(hide_password=False),
            "usage_flush_interval": 3600, **settings,
        }))
        return apps[-1]

    yield build
    for app in apps:
        app.app.extensions["cache_db"].primary_engine.dispose()


def assert_503(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert "cache-stale" not in response.headers


@needs_postgres
def test_a_number_answered_lately_is_answered_from_memory_with_its_age(
        app_on, proxy, frozen_clock):
    app = app_on()
    with app.test_client() as client:
        assert client.post(entry_path("+461"), json=body("sip:a@b", "onError"),
                           headers=AUTH).status_code == 200
        fresh = client.get(decision_path("+461"), headers=AUTH)
        assert fresh.status_code == 200 and "cache-stale" not in fresh.headers
        counted = remembered_count()

        proxy.cut()
        frozen_clock.advance(7)
        answers, seconds = [], []
        for path in (decision_path("+461"), decision_path("+461", "answered"),
                     decision_path("+469"), entry_path("+461"), f"/cache/{DOMAIN}/ivrfallback"):
            sent = time.monotonic()
            answers.append(client.get(path, headers=AUTH))
            seconds.append(time.monotonic() - sent)
        sent = time.monotonic()
        write = client.post(entry_path("+462"), json=body("sip:c@d"), headers=AUTH)
        seconds.append(time.monotonic() - sent)
        remembered, answered, unknown, entry, listed = answers
        used_while_down = remembered_count() - counted

        proxy.restore()
        app.app.extensions["cache_usage"].flush()  # what the tally kept through the outage
        deadline = time.monotonic() + 5
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the database did not come back"
            time.sleep(0.05)
        app.app.extensions["cache_usage"].flush()
        usage = client.get(f"{MANAGE}/ivrfallback/+461/usage", headers=AUTH).json()

    print(f"\ndecision memory: answers while no database answered took at most "
          f"{max(seconds):.3f} s")
    assert remembered.status_code == 200, remembered.text
    assert remembered.json() == fresh.json()
    assert remembered.headers["cache-stale"] == "7"
    # Decided again from what it remembers, for the outcome asked about.
    assert answered.status_code == 200 and answered.headers["cache-stale"] == "7"
    assert answered.json() == {"apply": False, "reason": "customer-answered"}
    assert used_while_down == 2
    for response in (unknown, entry, listed, write):
        assert_503(response)
    assert max(seconds) < 1
    # Both applied decisions are in the tally: the fresh one and the remembered one.
    assert usage["count"] == 2


@needs_postgres
def test_absent_numbers_are_not_remembered_and_a_read_that_finds_none_forgets(
        app_on, proxy, engine):
    app = app_on()
    with app.test_client() as client:
        assert client.get(decision_path("+463"), headers=AUTH).json()["apply"] is False
        assert client.post(entry_path("+464"), json=body("sip:a@b"),
                           headers=AUTH).status_code == 200
        assert client.get(decision_path("+464"), headers=AUTH).json()["apply"] is True
        # Deleted through another worker: this one learns of it only by reading it again.
        with engine.begin() as connection:
            connection.execute(delete(IvrFallback).where(IvrFallback.number == "+464"))
        assert client.get(decision_path("+464"), headers=AUTH).json()["apply"] is False
        proxy.cut()
        absent = client.get(decision_path("+463"), headers=AUTH)
        forgotten = client.get(decision_path("+464"), headers=AUTH)
    assert_503(absent)
    assert_503(forgotten)
    assert len(app.app.extensions["cache_decision_memory"]) == 0


@needs_postgres
def test_a_write_through_this_worker_forgets_what_it_remembered(app_on, proxy):
    app = app_on()
    with app.test_client() as client:
        for number in ("+465", "+466", "+467"):
            assert client.post(entry_path(number), json=body("sip:old@b"),
                               headers=AUTH).status_code == 200
            assert client.get(decision_path(number), headers=AUTH).status_code == 200
        assert client.post(entry_path("+465"), json=body("sip:new@b"),
                           headers=AUTH).status_code == 200
        assert client.delete(entry_path("+466"), headers=AUTH).status_code == 200
        proxy.cut()
        replaced = client.get(decision_path("+465"), headers=AUTH)
        deleted = client.get(decision_path("+466"), headers=AUTH)
        kept = client.get(decision_path("+467"), headers=AUTH)
    assert_503(replaced)
    assert_503(deleted)
    assert kept.status_code == 200 and kept.json()["command"]["action"]["destAddr"] == "sip:old@b"


@needs_postgres
def test_the_bounds_entries_bytes_and_age(app_on, proxy, frozen_clock):
    command_bytes = len('{"action":{"type":"call","destAddr":"sip:a@b"}}')
    one_entry = command_bytes + len(DOMAIN) + len("+4680") + ENTRY_OVERHEAD_BYTES
    by_entries = app_on(decision_memory_entries=2, decision_memory_seconds=60)  # and by age
    by_bytes = app_on(decision_memory_bytes=2 * one_entry + 10)
    numbers = ("+4680", "+4681", "+4682")
    with by_entries.test_client() as client:
        for number in numbers:
            assert client.post(entry_path(number), json=body("sip:a@b"),
                               headers=AUTH).status_code == 200
    for app in (by_entries, by_bytes):
        with app.test_client() as client:
            for number in numbers:
                assert client.get(decision_path(number), headers=AUTH).status_code == 200
    proxy.cut()
    answers = {}
    for name, app in (("entries", by_entries), ("bytes", by_bytes)):
        with app.test_client() as client:
            answers[name] = [client.get(decision_path(n), headers=AUTH).status_code
                             for n in numbers]
    memory = by_bytes.app.extensions["cache_decision_memory"]
    with by_entries.test_client() as client:
        frozen_clock.advance(60)
        within = client.get(decision_path("+4681"), headers=AUTH)
        frozen_clock.advance(1)
        beyond = client.get(decision_path("+4682"), headers=AUTH)
    # The least recently read goes first.
    assert answers == {"entries": [503, 200, 200], "bytes": [503, 200, 200]}
    assert memory.bytes == 2 * one_entry
    assert within.status_code == 200 and within.headers["cache-stale"] == "60"
    assert_503(beyond)


@needs_postgres
def test_an_entry_that_expired_since_is_not_answered_from_memory(app_on, proxy, frozen_clock):
    app = app_on()
    with app.test_client() as client:
        assert client.post(entry_path("+469"),
                           json=body("sip:a@b", expiration=frozen_clock.now + 10),
                           headers=AUTH).status_code == 200
        assert client.get(decision_path("+469"), headers=AUTH).status_code == 200
        proxy.cut()
        frozen_clock.advance(9)
        before = client.get(decision_path("+469"), headers=AUTH)
        frozen_clock.advance(1)
        after = client.get(decision_path("+469"), headers=AUTH)
    assert before.status_code == 200 and before.headers["cache-stale"] == "9"
    assert_503(after)


@needs_postgres
def test_the_off_switch(app_on, proxy):
    app = app_on(decision_memory_seconds=0)
    with app.test_client() as client:
        assert client.post(entry_path("+4610"), json=body("sip:a@b"),
                           headers=AUTH).status_code == 200
        assert client.get(decision_path("+4610"), headers=AUTH).status_code == 200
        proxy.cut()
        off = client.get(decision_path("+4610"), headers=AUTH)
    assert_503(off)
    assert len(app.app.extensions["cache_decision_memory"]) == 0


def test_the_memory_counts_its_bytes_and_keeps_the_newest():
    """The bookkeeping alone (every engine): sizes added, replaced and evicted exactly."""
    memory = DecisionMemory(seconds=3600, max_entries=3, max_bytes=10**6)
    small = Entry("always", 2_000_000_000, {"action": {"type": "hangup"}})
    large = Entry("always", 2_000_000_000, {"action": {"type": "hangup"}, "x": "y" * 1000})
    size = {name: len(json.dumps(entry.command, separators=(",", ":"))) + len("d") + len("+0")
            + ENTRY_OVERHEAD_BYTES for name, entry in (("small", small), ("large", large))}
    for index in range(4):
        memory.remember("d", f"+{index}", small, 1, 1, 100)
    assert len(memory) == 3 and memory.bytes == 3 * size["small"]
    assert memory.recall("d", "+0", 100) is None
    memory.remember("d", "+1", large, 1, 2, 101)  # changed: its size is counted again
    assert memory.bytes == 2 * size["small"] + size["large"]
    memory.remember("d", "+2", large, 1, 1, 102)  # same version: kept as it was, newer age
    assert memory.bytes == 2 * size["small"] + size["large"]
    assert memory.recall("d", "+2", 110) == (small, 1, 8)
    memory.forget("d", "+1")
    assert memory.bytes == 2 * size["small"]
    # An entry bigger than the whole memory is not kept at all.
    tiny = DecisionMemory(seconds=3600, max_entries=3, max_bytes=ENTRY_OVERHEAD_BYTES)
    tiny.remember("d", "+1", small, 1, 1, 100)
    assert len(tiny) == 0 and tiny.bytes == 0


def test_settings_of_the_memory_and_the_waits(monkeypatch, tmp_path):
    from app.config import ConfigurationError, Settings

    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CACHE_DECISION_MEMORY_SECONDS", "0")
    monkeypatch.setenv("CACHE_DATABASE_POOL_TIMEOUT_SECONDS", "0.25")
    settings = Settings.from_env()
    assert settings.decision_memory_seconds == 0 and settings.database_pool_timeout == 0.25
    for name, value in (("CACHE_DATABASE_CONNECT_TIMEOUT_SECONDS", "1"),
                        ("CACHE_DATABASE_READ_TIMEOUT_MS", "0"),
                        ("CACHE_DECISION_MEMORY_ENTRIES", "many"),
                        ("CACHE_DATABASE_POOL_TIMEOUT_SECONDS", "0")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_env()
        monkeypatch.delenv(name)
