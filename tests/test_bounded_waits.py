"""A black-holed PostgreSQL (packets dropped, not refused) costs a request bounded waits.

Each wait is checked against its bound with slack for a loaded 2-core machine, and
printed (run with `-s`). The database is the run's own, reached through
tests/black_hole.py; the bounds are app/storage/db.py's defaults (Timeouts).
"""

import threading
import time

import httpx
import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app import create_app
from app.storage import db
from tests import black_hole
from tests.helpers import DOMAIN, ON_POSTGRES, PLATFORM, READ, SECRET, WRITE, bearer, \
    make_token
from tests.live_server import LiveServer

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite is a file: there is no connection to black-hole")

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600))
BOUNDS = db.DEFAULT_TIMEOUTS
ENTRY = f"/cache/{DOMAIN}/ivrfallback/+4671"
DECISION = f"/platform/{DOMAIN}/ivrfallback/+4671/decision?outcome=timeout"
UNKNOWN = f"/platform/{DOMAIN}/ivrfallback/+4679/decision?outcome=timeout"
CALL = {"mode": "always", "command": {"action": {"type": "call", "destAddr": "sip:a@b"}}}


def holes(database_url: str, count: int) -> list[black_hole.BlackHole]:
    why = black_hole.missing()
    if why:
        pytest.skip(why)
    target = make_url(database_url)
    made = []
    try:
        for _ in range(count):
            made.append(black_hole.BlackHole(target.host or "127.0.0.1", target.port or 5432))
            made[-1].start()
    except BaseException:
        for hole in made:
            hole.stop()
        raise
    return made


@pytest.fixture
def hole(database_url):
    (made,) = holes(database_url, 1)
    yield made
    made.stop()


def timed(call) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except Exception as error:  # noqa: BLE001 - returned to be asserted on
        return time.monotonic() - started, error
    return time.monotonic() - started, None


def test_a_statement_and_a_connect_fail_within_their_bounds(database_url, hole):
    """Sent into the silence, a statement fails when its data goes unacknowledged for the
    TCP timeout; one already in flight when the silence began, when the keepalives go
    unanswered; a connect, when its SYN does (the connect timeout, at most)."""
    engine = db.make_engine(hole.url(database_url))
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        sent_into, in_flight = reads.connect(), reads.connect()
        for connection in (sent_into, in_flight):
            connection.execute(text("SELECT 1"))
        answer: dict = {}

        def sleep_in_flight():
            answer["seconds"], answer["error"] = timed(
                lambda: in_flight.execute(text("SELECT pg_sleep(0.3)")))

        waiting = threading.Thread(target=sleep_in_flight)
        waiting.start()
        time.sleep(0.1)
        hole.close()
        statement_seconds, statement_error = timed(
            lambda: sent_into.execute(text("SELECT 1")))
        connect_seconds, connect_error = timed(lambda: engine.connect().close())
        waiting.join(30)
    finally:
        hole.open()
        engine.dispose()
    print(f"\nblack hole: a statement sent into it failed after {statement_seconds:.2f} s, one "
          f"in flight after {answer['seconds']:.2f} s, a connect after {connect_seconds:.2f} s "
          f"(TCP timeout {BOUNDS.tcp_ms} ms, connect timeout {BOUNDS.connect_seconds} s)")
    for error in (statement_error, answer["error"], connect_error):
        assert isinstance(error, OperationalError), error
    assert statement_seconds < 2 * BOUNDS.tcp_ms / 1000 + 1
    # Keepalives: a second's idleness, then unanswered probes ended by the TCP timeout.
    assert answer["seconds"] < 3.5
    assert connect_seconds < BOUNDS.connect_seconds - 0.1


def test_the_pre_ping_meets_silence_and_fails_the_checkout_without_reconnecting(
        database_url, hole):
    databases = db.Databases(hole.url(database_url))
    engine = databases.primary_engine
    connects = []
    try:
        engine.connect().close()  # one pooled connection, pinged on its next checkout
        event.listen(engine, "do_connect", lambda *_args: connects.append(time.monotonic()))
        hole.close()
        seconds, error = timed(lambda: engine.connect().close())
        down = databases.primary_down
    finally:
        hole.open()
        engine.dispose()
    print(f"\nblack hole: the pool's ping failed the checkout after {seconds:.2f} s, "
          f"{len(connects)} reconnects tried")
    assert isinstance(error, OperationalError), error
    assert seconds < 2 * BOUNDS.tcp_ms / 1000 + 1
    assert connects == []  # no reconnect into the silence
    assert down


def test_a_pool_checkout_waits_at_most_the_pool_timeout_and_is_a_503(
        tmp_path, database_url, hole, monkeypatch):
    """Every pooled connection held by requests that wait on the silence: the next request
    waits for the pool timeout, then answers 503 (not 500)."""
    # A small pool, the same wait: the run's server is shared, its connections are not many.
    monkeypatch.setattr(db, "POOL_SIZE", 2)
    monkeypatch.setattr(db, "MAX_OVERFLOW", 1)
    app = create_app({"instance_path": tmp_path, "jwt_secret": SECRET,
                      "database_url": hole.url(database_url), "usage_flush_interval": 3600})
    engine = db.engine_of(app.app)
    held = [engine.connect() for _ in range(db.POOL_SIZE + db.MAX_OVERFLOW)]
    try:
        hole.close()
        with app.test_client() as client:
            started = time.monotonic()
            response = client.get(ENTRY, headers=AUTH)
            seconds = time.monotonic() - started
        _, pool_error = timed(lambda: engine.connect().close())
    finally:
        hole.open()
        for connection in held:
            connection.invalidate()
        engine.dispose()
    print(f"\nblack hole: a request found no pooled connection free and was answered "
          f"{response.status_code} after {seconds:.2f} s (pool timeout {BOUNDS.pool_seconds} s)")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert isinstance(pool_error, PoolTimeout)
    assert seconds < BOUNDS.pool_seconds + 1


def test_a_worker_keeps_answering_through_a_black_hole_and_is_back_within_2_s(
        tmp_path, database_url):
    """One worker, the primary and the replica each behind a hole: the primary goes silent
    (the replica answers, stale-marked), then the replica too (the remembered decision
    answers, everything else is a 503 within 1 s), then both come back."""
    primary, replica = holes(database_url, 2)
    server = LiveServer({
        "CACHE_DATABASE_URL": primary.url(database_url),
        "CACHE_DATABASE_READ_URL": replica.url(database_url),
        "CACHE_JWT_SECRET": SECRET, "CACHE_INSTANCE_PATH": str(tmp_path),
    }, workers=1, log_path=tmp_path / "gunicorn.log")
    phases: dict[str, list] = {"primary silent": [], "both silent": []}

    def ask(client, phase, method, path, **kwargs):
        started = time.monotonic()
        response = client.request(method, path, **kwargs)
        phases[phase].append((path, response, time.monotonic() - started))
        return response

    try:
        server.start()
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert client.post(ENTRY, json=CALL).status_code == 200
            fresh = client.get(DECISION)
            assert fresh.status_code == 200 and "cache-stale" not in fresh.headers

            primary.close()
            for _ in range(3):
                ask(client, "primary silent", "GET", DECISION)
                ask(client, "primary silent", "GET", "/healthz")
            ask(client, "primary silent", "POST", ENTRY, json=CALL)

            replica.close()
            for _ in range(3):
                ask(client, "both silent", "GET", DECISION)
                ask(client, "both silent", "GET", UNKNOWN)
                ask(client, "both silent", "GET", ENTRY)
                ask(client, "both silent", "GET", "/healthz")
            ask(client, "both silent", "POST", ENTRY, json=CALL)

            primary.open()
            replica.open()
            opened = time.monotonic()
            while True:
                decision, unknown = client.get(DECISION), client.get(UNKNOWN)
                write = client.post(ENTRY, json=CALL)
                if (decision.status_code == unknown.status_code == write.status_code == 200
                        and "cache-stale" not in decision.headers):
                    break
                assert time.monotonic() - opened < 10, (decision.text, write.text)
                time.sleep(0.05)
            back_after = time.monotonic() - opened
    finally:
        server.stop()
        primary.stop()
        replica.stop()

    slowest = {phase: max(seconds for *_, seconds in answers) for phase, answers in phases.items()}
    print(f"\nblack hole, one worker: primary silent: slowest answer "
          f"{slowest['primary silent']:.2f} s; both silent: slowest "
          f"{slowest['both silent']:.2f} s; every request answered normally "
          f"{back_after:.2f} s after both returned")
    for path, response, _ in phases["primary silent"]:
        if path == DECISION:
            assert response.status_code == 200 and response.headers["cache-stale"] == "0"
            assert response.json() == fresh.json()
        elif path == ENTRY:
            assert response.status_code == 503
        else:
            assert response.status_code == 200
    for path, response, seconds in phases["both silent"]:
        if path == DECISION:
            assert response.status_code == 200, response.text
            assert response.headers["cache-stale"].isdigit()
            assert response.json() == fresh.json()
        elif path == "/healthz":
            assert response.status_code == 200
        else:
            assert response.status_code == 503, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"].isdigit()
            assert seconds < 1, path
    # The first request to meet each silence waits for it once (the pool's ping, about
    # twice the TCP timeout), never twice (a reconnect after the ping: about 2 s here).
    assert slowest["primary silent"] < 1.5
    assert slowest["both silent"] < 1.5
    assert back_after < 2


@pytest.mark.parametrize("pooler", [None, "pgbouncer"])
def test_only_the_call_time_lookups_run_under_the_short_read_timeout(tmp_path, database_url,
                                                                     pooler):
    """Lists, exports and the use series are as long as the customer's data: they run in
    transactions, under the statement timeout, as every read did before; only the lookups
    of one row get the read timeout. Direct and through PgBouncer's transaction mode
    (SET LOCAL there; the run's own server takes it just the same)."""
    app = create_app({"instance_path": tmp_path, "jwt_secret": SECRET,
                      "database_url": database_url, "database_pooler": pooler,
                      "database_read_url": database_url, "usage_flush_interval": 3600})
    show = text("SHOW statement_timeout")
    timeouts = {}
    for kind, open_session in (("lookup", db.read_session),
                               ("list", lambda: db.read_session(lookup=False)),
                               ("transaction", db.session)):
        with app.app.test_request_context():
            timeouts[kind] = open_session().execute(show).scalar()
    with app.app.test_request_context():  # the replica's, while the primary is down
        app.app.extensions["cache_db"].mark_primary_down("a test")
        try:
            timeouts["replica lookup"] = db.read_session().execute(show).scalar()
        finally:
            app.app.extensions["cache_db"].mark_primary_up()
    with app.app.test_request_context():
        app.app.extensions["cache_db"].mark_primary_down("a test")
        try:
            timeouts["replica list"] = db.read_session(lookup=False).execute(show).scalar()
        finally:
            app.app.extensions["cache_db"].mark_primary_up()
    databases = app.app.extensions["cache_db"]
    databases.primary_engine.dispose()
    databases.replica_engine.dispose()
    assert timeouts == {"lookup": "500ms", "list": "2s", "transaction": "2s",
                        "replica lookup": "500ms", "replica list": "2s"}
