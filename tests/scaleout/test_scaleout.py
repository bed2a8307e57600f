"""Three app hosts behind two HAProxies, PgBouncer, three PostgreSQL nodes run by Patroni:
the API through it, and what happens when parts die cleanly. One cluster
(tests/scaleout/cluster.py, conftest.py) for the session; each test leaves it whole.

Each test prints one line of figures (`pytest -s`, or the tox output).
"""

import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.storage.db import make_engine
from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, bearer, make_token
from tests.scaleout.cluster import APP_HOSTS, HEALTH_CHECK_INTERVAL_MS, LB_HOSTS, wait_until
from tests.scaleout.load import (CALL, SEEDED_IVR, Figures, Load, fresh_since, served_by,
                                 stored_numbers)


# -- the API through HAProxy ----------------------------------------------------------------


PARITY = "parity.example"
PARITY_AUTH = bearer(make_token(domains=(PARITY,), scopes=(READ, WRITE, PLATFORM),
                                exp=int(time.time()) + 3600))


def walkthrough(base_url: str) -> list[tuple]:
    """A representative run of the public and platform APIs; it leaves nothing behind."""
    entry = f"/cache/{PARITY}/ivrfallback"
    siprec, platform = f"/cache/{PARITY}/siprecfallback", f"/platform/{PARITY}"
    hangup = {"mode": "onError", "expiration": "DAY", "command": {"action": {"type": "hangup"}}}
    steps = [
        ("GET", entry, {}),
        ("POST", f"{entry}/+461", {"json": {**CALL, "expiration": "WEEK"}}),
        ("POST", f"{entry}/+462", {"json": hangup}),
        ("GET", f"{entry}/+461", {}),
        ("GET", entry, {}),
        ("POST", f"{entry}/+463", {"json": {"mode": "always", "command": {
            "action": {"type": "hangup", "destAddr": "sip:x@y"}}}}),
        ("POST", f"{entry}/+463", {"json": {**CALL, "mode": "sometimes"}}),
        ("POST", f"{entry}/+463", {"content": b"{not json", "headers": {
            "Content-Type": "application/json"}}),
        ("GET", f"{entry}/+461", {"headers": {"Authorization": ""}}),
        ("GET", "/cache/other.example/ivrfallback/+461", {}),
        ("GET", f"{entry}/+463", {}),
        ("GET", f"{siprec}/+461", {}),
        ("POST", f"{platform}/siprecfallback/+461", {}),
        ("POST", f"{platform}/siprecfallback", {"json": {"numbers": ["+464", "bad number!"]}}),
        ("GET", f"{siprec}/+461", {}),
        ("GET", f"{platform}/siprecfallback/+464", {}),
        ("GET", f"{platform}/ivrfallback/+461/decision?outcome=timeout", {}),
        ("GET", f"{platform}/ivrfallback/+462/decision?outcome=answered", {}),
        ("GET", f"{platform}/ivrfallback/+469/decision?outcome=error&status=500", {}),
        ("GET", f"{platform}/ivrfallback/+461/decision?outcome=maybe", {}),
        ("DELETE", f"{siprec}/+461", {}),
        ("DELETE", f"{siprec}/+464", {}),
        ("DELETE", f"{entry}/+461", {}),
        ("DELETE", f"{entry}/+462", {}),
        ("DELETE", f"{entry}/+461", {}),
        ("GET", entry, {}),
        ("OPTIONS", entry, {"headers": {"Origin": "https://app.example",
                                        "Access-Control-Request-Method": "POST"}}),
    ]
    answers = []
    with httpx.Client(base_url=base_url, headers=PARITY_AUTH, timeout=10) as client:
        for method, path, kwargs in steps:
            response = client.request(method, path, **kwargs)
            body = response.json() if "json" in response.headers.get("content-type", "") \
                else response.text
            answers.append((method, path, response.status_code,
                            response.headers.get("content-type"), without_ttl(body)))
    return answers


def without_ttl(value):
    """The answer with each `ttl` (an expiry in unix seconds, so run-dependent) made a type."""
    if isinstance(value, dict):
        return {k: (type(v).__name__ if k == "ttl" else without_ttl(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_ttl(item) for item in value]
    return value


def test_the_api_through_haproxy_answers_as_one_host_does(cluster):
    one_host = walkthrough(f"http://{cluster.address['app1']}:8080")
    before = served_by(cluster)
    through_haproxy = walkthrough(cluster.url)
    spread = {host: count - before[host] for host, count in served_by(cluster).items()}

    statuses = sorted({answer[2] for answer in one_host})
    print(f"\nscaleout api: {len(one_host)} requests, one host vs HAProxy: "
          f"{sum(a != b for a, b in zip(one_host, through_haproxy))} differing answers; "
          f"statuses {statuses}; HAProxy spread them {spread}")
    assert through_haproxy == one_host
    assert {200, 400, 401, 403, 404} <= set(statuses)
    # Round robin: consecutive requests of the walkthrough went to every host.
    assert all(count > 0 for count in spread.values()), spread


# -- a host dies ----------------------------------------------------------------------------


KILL_NOTICED_SECONDS = 0.1


def test_a_killed_host_loses_no_acknowledged_write_and_rejoins(cluster):
    victim = "app2"
    with Load(cluster.url, prefix="k") as load:
        time.sleep(1.5)
        kill_sent_at = time.monotonic()
        cluster.kill_host(victim)
        killed_at = time.monotonic()  # every process of the host is gone by now
        wait_until(lambda: cluster.server_status(victim).startswith("DOWN"), 10,
                   "HAProxy to mark the killed host down")
        down_after = time.monotonic() - killed_at
        served_when_down = served_by(cluster)[victim]
        time.sleep(1.5)
        served_while_down = served_by(cluster)[victim] - served_when_down
        restarted_at = time.monotonic()
        cluster.restart_host(victim)
        wait_until(lambda: cluster.server_status(victim) == "UP", 20,
                   "HAProxy to take the restarted host back")
        rejoined_after = time.monotonic() - restarted_at
        served_before = served_by(cluster)[victim]
        time.sleep(1.5)
    served_after_rejoin = served_by(cluster)[victim] - served_before

    missing = load.acknowledged() - stored_numbers(cluster, "k")
    failed = load.failed()
    # HAProxy learns of the dead host's closed connections a moment after the kill: a
    # request sent on a client connection bound to one of them in that moment fails too
    # (a write is never sent twice: it may have reached the host).
    in_flight = [r for r in failed if r.sent < killed_at + KILL_NOTICED_SECONDS]
    print(f"\nscaleout kill: {len(load.results)} requests "
          f"({len(load.acknowledged())} writes acknowledged), {len(failed)} failed "
          f"({len(in_flight)} sent by {KILL_NOTICED_SECONDS} s after the host was dead, "
          f"{killed_at - kill_sent_at:.3f} s "
          f"after the SIGKILL: {sorted({r.kind for r in failed})}, sent at "
          f"{[round(r.sent - killed_at, 3) for r in failed]} s from the death), "
          f"marked down {down_after:.2f} s after the kill (checks every "
          f"{HEALTH_CHECK_INTERVAL_MS} ms, 2 to fail) and sent {served_while_down} requests "
          f"while down, restarted host up {rejoined_after:.2f} s "
          f"after its restart and served {served_after_rejoin} requests since, "
          f"{len(missing)} acknowledged writes missing")
    assert missing == set()
    # Only requests on their way to the host when it died may fail: at most one per thread.
    assert failed == in_flight, failed
    assert len(failed) <= 6
    assert down_after < 2 * 2 * HEALTH_CHECK_INTERVAL_MS / 1000 + 1
    assert served_while_down == 0
    assert served_after_rejoin > 0


# -- a rolling restart ----------------------------------------------------------------------


def test_a_rolling_restart_under_load_fails_no_request(cluster):
    """Drain (both HAProxies' runtime API), SIGTERM, restart, wait until ready, enable; host by
    host."""
    timings = []
    with Load(cluster.url, prefix="r") as load:
        time.sleep(0.5)
        for host in APP_HOSTS:
            started = time.monotonic()
            # On both balancers: the passive one takes the traffic if the active one dies.
            cluster.haproxy_all(f"set server app/{host} state drain")
            wait_until(lambda: all(cluster.server_stats(host, lb)["scur"] == "0"
                                   for lb in LB_HOSTS), 10,
                       f"{host}'s requests in flight to end")
            assert cluster.stop_app(host) == 0
            cluster.start_app(host)
            cluster.haproxy_all(f"set server app/{host} state ready")
            wait_until(lambda: all(cluster.server_status(host, lb) == "UP" for lb in LB_HOSTS),
                       10, f"{host} to be up")
            timings.append(time.monotonic() - started)
        time.sleep(0.5)

    failed = load.failed()
    print(f"\nscaleout rolling restart: {len(load.results)} requests "
          f"({len(load.acknowledged())} writes) while 3 hosts restarted one by one "
          f"({', '.join(f'{seconds:.1f}' for seconds in timings)} s each), {len(failed)} failed")
    assert failed == []
    assert load.acknowledged() <= stored_numbers(cluster, "r")


# -- the primary stops ----------------------------------------------------------------------


WRITES_BACK_SECONDS = 10  # the bound


def test_the_primary_stopped_patroni_promotes_a_standby_and_reads_answer_meanwhile(cluster):
    """`pg_ctl stop` on the primary, Patroni alive beside it: with `master_start_timeout: 0`
    it hands the leader key over at once; the synchronous standby is promoted, HAProxy's
    writer follows /primary, and the old primary comes back as a standby."""
    reads = tuple(Load.READS)
    old, standby = cluster.leader(), cluster.sync_standby()
    with Load(cluster.url, prefix="p") as load:
        time.sleep(1.5)
        stopped_at = time.monotonic()
        cluster.stop_postgres(old)
        stop_took = time.monotonic() - stopped_at
        new = wait_until(lambda: (leader := cluster.leader()) not in (None, old) and leader,
                         30, "Patroni to elect a new primary")
        elected_after = time.monotonic() - stopped_at
        wait_until(lambda: cluster.writer() == [new], 15, "HAProxy's writer to be the new primary")
        routed_at = time.monotonic()
        wait_until(lambda: any(r.kind == "write" and r.status == 200 and r.sent > routed_at
                               for r in load.results), 15, "writes to succeed again")
        reads_back = wait_until(lambda: fresh_since(load, routed_at), 15,
                                "reads to come from the primary again")
        time.sleep(1)
        ended_at = time.monotonic()
    roles = cluster.wait_databases()

    figures = Figures.of(load, cluster, stopped_at)
    writes_back = stopped_at + figures.writes_back_after
    gap = [r for r in load.results if r.kind in reads and stopped_at + 1 <= r.sent < writes_back]
    read_errors_first_second = load.failed(stopped_at, stopped_at + 1, reads)
    read_errors_later = load.failed(stopped_at + 1, ended_at, reads)
    stale = [int(r.stale) for r in gap if r.stale and r.stale.isdigit()]
    refused = load.failed(stopped_at + 1, writes_back, ("write",))
    print(f"\nscaleout primary stopped: {old} stopped (pg_ctl took {stop_took:.2f} s), Patroni "
          f"elected {new} ({'its synchronous standby' if new == standby else 'not the sync standby'}"
          f") {elected_after:.2f} s after; {figures.line()}; "
          f"{len(gap)} reads between the first second and the writes' return "
          f"({len(read_errors_first_second)} reads failed in the first second, "
          f"{len(read_errors_later)} after; stale-marked {sum(r.stale is not None for r in gap)}, "
          f"Cache-Stale {min(stale, default='-')}..{max(stale, default='-')} s, slowest "
          f"{max((r.done - r.sent for r in gap), default=0):.3f} s); every read back on the "
          f"primary {reads_back - stopped_at:.2f} s after the stop; writes refused meanwhile: "
          f"{sorted({r.status for r in refused}, key=str)}; {old} back as {roles[old][0]}")
    assert new == standby
    assert figures.writes_back_after < WRITES_BACK_SECONDS
    assert figures.missing == set()
    assert read_errors_later == [], read_errors_later[:5]
    assert all(r.status != 500 for r in read_errors_first_second), read_errors_first_second
    # A write of the gap is refused as the outage it is: 503 with Retry-After, never a 500.
    assert all(r.status == 503 and r.detail.split("|")[0].isdigit() for r in refused), refused[:3]
    assert load.failed(writes_back + 1, ended_at) == []
    # Once back, the reads stay on the new primary: fresh answers, no stale mark.
    stale_after = [(round(r.sent - stopped_at, 3), r.kind, r.stale) for r in load.results
                   if r.sent > reads_back and r.stale is not None]
    assert stale_after == [], stale_after[:5]
    assert roles[old][0] in ("replica", "sync_standby")


# -- PgBouncer in transaction mode ----------------------------------------------------------


def test_many_identical_queries_through_pgbouncer_transaction_mode(cluster):
    """psycopg prepares a query run 5 times; PgBouncer 1.18 in transaction mode hands each
    transaction any server connection, where that prepared statement does not exist."""
    url = f"postgresql+psycopg://postgres@{cluster.address['app1']}:6432/cache"
    clients, queries = 8, 60
    query = text("SELECT expires_at FROM ivr_fallback WHERE domain = :d AND number = :n")

    def hammer(engine, errors: list) -> None:
        def client(_index):
            for _ in range(queries):
                try:
                    with engine.connect() as connection:
                        connection.execute(query, {"d": DOMAIN, "n": SEEDED_IVR}).one()
                except Exception as error:  # noqa: BLE001: counted, then asserted on
                    errors.append(type(error.__cause__ or error).__name__)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    engine = make_engine(url, pooler="pgbouncer")
    errors: list[str] = []
    started = time.monotonic()
    hammer(engine, errors)
    elapsed = time.monotonic() - started
    with engine.connect() as connection:
        timeout = connection.execute(text("SHOW statement_timeout")).scalar()
        sleep_started = time.monotonic()
        with pytest.raises(Exception, match="statement timeout"):
            connection.execute(text("SELECT pg_sleep(5)"))
        cancelled_after = time.monotonic() - sleep_started
    engine.dispose()
    # SET LOCAL ended with its transaction: another client of the same pooled servers
    # finds PostgreSQL's default.
    other = create_engine(url, connect_args={"prepare_threshold": None})
    with other.connect() as connection:
        leaked = connection.execute(text("SHOW statement_timeout")).scalar()
    other.dispose()

    # The same queries without the pooler settings: PgBouncer refuses the startup options,
    # and psycopg's server-side prepared statements break.
    plain = create_engine(url, connect_args={"options": "-c statement_timeout=2000"})
    with pytest.raises(Exception, match="unsupported startup parameter"):
        plain.connect()
    plain.dispose()
    engine = make_engine(url, pooler="pgbouncer")
    alternating_errors = alternating(engine)
    engine.dispose()
    default = create_engine(url)
    prepared_errors = alternating(default)
    default.dispose()

    print(f"\nscaleout pgbouncer: {clients * queries} identical queries over {clients} client "
          f"connections in {elapsed:.2f} s, {len(errors)} errors; statement_timeout "
          f"{timeout} per transaction (pg_sleep(5) cancelled after {cancelled_after:.2f} s, "
          f"another client sees {leaked}); "
          f"clients taking turns: {len(alternating_errors)} errors, and with psycopg's "
          f"prepared statements {len(prepared_errors)} ({sorted(set(prepared_errors))[:2]})")
    assert errors == [] and alternating_errors == []
    assert timeout == "2s" and leaked == "0"
    assert cancelled_after < 3
    assert prepared_errors, "prepared statements were expected to break in transaction mode"


def alternating(engine, clients: int = 3, rounds: int = 10) -> list[str]:
    """Clients of one PgBouncer take turns running the same query, a transaction each: with
    server-side prepared statements (psycopg prepares a query after 5 runs) one finds
    another's `_pg3_0` on the server PgBouncer gives it, or its own missing."""
    errors = []
    connections = [engine.connect() for _ in range(clients)]
    query = text("SELECT number FROM ivr_fallback WHERE number = :n")
    try:
        for _ in range(rounds):
            for connection in connections:
                try:
                    connection.execute(query, {"n": SEEDED_IVR}).all()
                    connection.commit()
                except Exception as error:  # noqa: BLE001: counted, then asserted on
                    errors.append(str(error.__cause__ or error).splitlines()[0])
                    connection.rollback()
    finally:
        for connection in connections:
            connection.close()
    return errors
