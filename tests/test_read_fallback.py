"""Reads answered by the replica while the primary cannot be reached (CACHE_DATABASE_READ_URL).

The primary is reached through a TCP proxy that the test cuts; the "replica" is the
same database reached directly (not in recovery, so its answers say `Cache-Stale: 0`;
a real standby's lag is measured in tests/scaleout).
"""

import threading
import time
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, make_url, text

from app import create_app
from app.storage import db, store
from tests.helpers import DOMAIN, ON_POSTGRES, PLATFORM, READ, WRITE, SECRET, bearer, calling, \
    make_token
from tests.tcp_proxy import TcpProxy

needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="a replica is PostgreSQL's; the embedded SQLite database has none")

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM)))
ENTRY = f"/cache/{DOMAIN}/ivrfallback/+4611"
READS = {
    "get_entry": ENTRY,
    "list_numbers": f"/cache/{DOMAIN}/ivrfallback",
    "siprec_get_status": f"/cache/{DOMAIN}/siprecfallback/+4622",
    "decide": f"/platform/{DOMAIN}/ivrfallback/+4611/decision?outcome=timeout",
    "platform_siprec_get_status": f"/platform/{DOMAIN}/siprecfallback/+4622",
}


def replica_reads() -> list[float]:
    """Reads the replica answered, lags observed, and lags observed over half a second."""
    sample = REGISTRY.get_sample_value
    return [sample("cache_replica_reads_total"), sample("cache_replica_read_lag_seconds_count"),
            sample("cache_replica_read_lag_seconds_count")
            - sample("cache_replica_read_lag_seconds_bucket", {"le": "0.5"})]


def proxied(database_url: str, proxy: TcpProxy) -> str:
    return make_url(database_url).set(host="127.0.0.1", port=proxy.port) \
        .render_as_string(hide_password=False)


@pytest.fixture
def app_with_replica(tmp_path, database_url, proxy):
    return create_app({
        "instance_path": tmp_path, "jwt_secret": SECRET, "validate_responses": True,
        "database_url": proxied(database_url, proxy), "database_read_url": database_url,
        # No use tally flush: only the requests of a test reach the primary.
        "usage_flush_interval": 3600,
    })


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite is a file, not a connection")
@pytest.mark.parametrize("pooler", [None, "pgbouncer"])
def test_postgresql_connections_find_a_vanished_host_themselves(database_url, pooler):
    """Client-side TCP timeouts on every connection, direct or through PgBouncer: a lookup
    on a worker's event loop thread must not wait on a dead host without end."""
    engine = db.make_engine(database_url, pooler)
    try:
        with engine.connect() as connection:
            parameters = connection.connection.dbapi_connection.info.get_parameters()
    finally:
        engine.dispose()
    tcp_settings = db.DEFAULT_TIMEOUTS.tcp_settings
    assert {name: parameters.get(name) for name in tcp_settings} == {
        name: str(value) for name, value in tcp_settings.items()}
    assert int(parameters["tcp_user_timeout"]) == 500


@pytest.mark.skipif(not ON_POSTGRES, reason="PgBouncer's mode is PostgreSQL's")
def test_through_pgbouncer_a_failing_transaction_start_is_a_503_not_a_500(
        tmp_path, database_url, monkeypatch, stored):
    """The statement timeout is set as each transaction starts, on the driver's own
    connection; its failure (PgBouncer's query_wait_timeout when no server answers)
    must reach the handlers as the database error it is."""
    app = create_app({"instance_path": tmp_path, "jwt_secret": SECRET,
                      "database_url": database_url, "database_pooler": "pgbouncer"})
    before = stored()
    monkeypatch.setattr(db, "SET_LOCAL_STATEMENT_TIMEOUT",
                        "SET LOCAL statement_timeout = 'not a duration {}'")  # refused there
    with app.test_client() as client:
        answers = [client.get(ENTRY, headers=AUTH), client.get(READS["decide"], headers=AUTH),
                   client.post(ENTRY, json=calling(), headers=AUTH)]
    assert [answer.status_code for answer in answers] == [503, 503, 503], answers[0].text
    assert all(answer.headers["content-type"] == "application/problem+json"
               for answer in answers)
    assert stored() == before


@needs_postgres
def test_reads_come_from_the_replica_while_the_primary_is_cut_and_go_back(app_with_replica, proxy):
    with app_with_replica.test_client() as client:
        assert client.post(ENTRY, json=calling(), headers=AUTH).status_code == 200
        assert client.post(f"/platform/{DOMAIN}/siprecfallback/+4622",
                           headers=AUTH).status_code == 200
        before = {name: client.get(path, headers=AUTH) for name, path in READS.items()}
        assert all(r.status_code == 200 and "cache-stale" not in r.headers
                   for r in before.values()), before

        counted = replica_reads()
        proxy.cut()
        timed = {}
        for name, path in READS.items():
            sent = time.monotonic()
            timed[name] = (client.get(path, headers=AUTH), time.monotonic() - sent)
        counted = [now - then for now, then in zip(replica_reads(), counted)]
        write = client.post(ENTRY, json=calling(), headers=AUTH)
        ready = client.get("/readyz")

        proxy.restore()
        restored_at = time.monotonic()
        while time.monotonic() - restored_at < 5:
            if "cache-stale" not in client.get(READS["decide"], headers=AUTH).headers:
                break
            time.sleep(0.05)
        back_after = time.monotonic() - restored_at
        after = client.get(ENTRY, headers=AUTH)
        write_after = client.post(ENTRY, json=calling(), headers=AUTH)

    print(f"\nread fallback: slowest read during the cut "
          f"{max(seconds for _, seconds in timed.values()):.3f} s, "
          f"reads back on the primary {back_after:.2f} s after it returned")
    for name, (response, seconds) in timed.items():
        assert response.status_code == 200, (name, response.text)
        assert response.json() == before[name].json(), name
        assert response.headers["cache-stale"] == "0", name
        assert seconds < 2, name
    # For the alerts: every stale read counted, with its lag (0 here, not in recovery).
    assert counted == [len(READS), len(READS), 0]
    assert write.status_code == 503
    assert write.headers["retry-after"].isdigit()
    assert write.headers["content-type"] == "application/problem+json"
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "replica"})
    assert back_after < 3
    assert after.status_code == 200 and "cache-stale" not in after.headers
    assert write_after.status_code == 200


@needs_postgres
def test_while_the_primary_is_down_writes_are_refused_at_once_until_the_probe_sees_it(
        app_with_replica, proxy, monkeypatch):
    """A write waits on no primary this process found down (a handler thread held for a
    connect timeout per write would leave none for the rest); the probe ends the outage,
    and the writer's next read comes from the primary, which has its write."""
    monkeypatch.setattr(db, "PROBE_SECONDS", 0.2)
    app = app_with_replica
    databases = app.app.extensions["cache_db"]
    with app.test_client() as client:
        assert client.post(ENTRY, json=calling(), headers=AUTH).status_code == 200
        proxy.cut()
        stale = client.get(READS["decide"], headers=AUTH)
        proxy.restore()
        sent = time.monotonic()
        refused = client.post(ENTRY, json={**calling(), "mode": "onError"}, headers=AUTH)
        refused_after = time.monotonic() - sent
        deadline = time.monotonic() + 5
        while databases.primary_down:
            assert time.monotonic() < deadline, "the probe did not see the primary back"
            time.sleep(0.02)
        write = client.post(ENTRY, json={**calling(), "mode": "onError"}, headers=AUTH)
        after = client.get(ENTRY, headers=AUTH)
    assert stale.headers["cache-stale"] == "0"
    assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
    assert refused_after < 0.1
    assert write.status_code == 200
    assert after.status_code == 200 and "cache-stale" not in after.headers
    assert after.json()["data"]["mode"] == "onError"


def test_one_probe_per_process_however_often_the_primary_comes_and_goes(tmp_path, monkeypatch):
    """An outage that a statement ended before the probe saw it leaves that probe running:
    the next outage is probed by it, not by a second thread."""
    databases = db.Databases(f"sqlite:///{tmp_path / 'cache.db'}")
    probes = []

    class ProbeThread:  # a probe that stays running: it never sees the primary back itself
        def __init__(self, target, name, daemon):
            self.name = name

        def start(self):
            probes.append(self.name)

    monkeypatch.setattr(db, "threading", SimpleNamespace(Thread=ProbeThread))
    for _ in range(3):
        databases.mark_primary_down("cut")
        databases.mark_primary_down("cut again")
        assert databases.primary_down
        databases.mark_primary_up()
        assert not databases.primary_down
    assert probes == ["cache-db-probe"]


def test_only_a_connection_opened_since_the_outage_began_ends_it(tmp_path, monkeypatch):
    """A pooled connection's answer may predate the outage, and may come while the primary
    refuses new connections: the state must not flip back on it."""
    monkeypatch.setattr(db, "PROBE_SECONDS", 60)  # the probe stays out of it
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    databases = db.Databases(url, read_url=url)
    with databases.primary_engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # pooled: opened before the outage
    databases.mark_primary_down("cut")
    with databases.primary_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert databases.primary_down
    databases.primary_engine.dispose()
    with databases.primary_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert not databases.primary_down


def test_a_probe_that_saw_the_primary_back_ends_and_the_next_outage_gets_one(
        tmp_path, monkeypatch):
    monkeypatch.setattr(db, "PROBE_SECONDS", 0.01)
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    databases = db.Databases(url, read_url=url)
    others = set(threading.enumerate())  # earlier tests' probes may still be asleep

    def probes() -> list:
        return [thread for thread in threading.enumerate()
                if thread.name == "cache-db-probe" and thread not in others]

    def wait_for(condition) -> None:
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.01)

    for _ in range(2):
        databases.mark_primary_down("cut")
        wait_for(lambda: not databases.primary_down)  # the probe saw it back
        wait_for(lambda: not probes())  # and ended


@needs_postgres
def test_the_primary_is_tried_first_and_costs_no_query_of_its_own(app_with_replica):
    """With the primary up, a read is one checkout (pinged by the pool) and the read itself."""
    databases = app_with_replica.app.extensions["cache_db"]
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app_with_replica.test_client() as client:
        client.get(READS["decide"], headers=AUTH)  # the pool has a connection
        event.listen(databases.primary_engine, "before_cursor_execute", record)
        event.listen(databases.replica_engine, "before_cursor_execute", record)
        response = client.get(READS["decide"], headers=AUTH)
    assert response.status_code == 200 and "cache-stale" not in response.headers
    assert len(statements) == 1 and "ivr_fallback" in statements[0], statements
    assert not databases.primary_down


def test_without_a_replica_reads_use_the_primary_on_a_session_of_their_own(app):
    with app.app.test_request_context():
        reads = db.read_session()
        assert reads is db.read_session() and reads is not db.session()
        assert reads.get_bind().url == db.session().get_bind().url


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's transactions cost no round trip")
def test_on_postgresql_a_read_opens_no_transaction(app, client):
    """A call-time lookup is its SELECT alone: no BEGIN before it, no ROLLBACK after it."""
    from psycopg.pq import TransactionStatus

    with app.app.test_request_context():
        reads = db.read_session()
        assert store.ivr_decision_entry(reads, DOMAIN, "+15550001", int(time.time())) is None
        dbapi_connection = reads.connection().connection.dbapi_connection
        assert dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        # Writes keep their transaction.
        db.session().execute(text("SELECT 1"))
        writes = db.session().connection().connection.dbapi_connection
        assert writes.info.transaction_status == TransactionStatus.INTRANS


@needs_postgres
def test_readiness_holds_on_the_replica_alone(app_with_replica, proxy):
    with app_with_replica.test_client() as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        proxy.cut()
        first = client.get("/readyz")  # finds the primary gone by itself
        client.get(READS["decide"], headers=AUTH)  # now reads go to the replica
        then = client.get("/readyz")
    for response in (first, then):
        assert (response.status_code, response.json()) == (
            200, {"status": "ready", "database": "replica"})
