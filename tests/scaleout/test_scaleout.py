"""Three app hosts behind HAProxy, PgBouncer, a primary and a hot standby: what happens when
parts die. One cluster (tests/scaleout/cluster.py) for the module; each test leaves it whole.

Each test prints one line of figures (`pytest -s`, or the tox output).
"""

import dataclasses
import signal
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.storage.db import make_engine
from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, bearer, make_token
from tests.scaleout.cluster import (APP_HOSTS, HEALTH_CHECK_INTERVAL_MS, Cluster,
                                    missing_prerequisites, wait_until)

MISSING = missing_prerequisites()
pytestmark = pytest.mark.skipif(MISSING is not None,
                                reason=f"SKIPPED the scale-out tests: {MISSING}")

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600))
IVR = f"/cache/{DOMAIN}/ivrfallback"
# Entries the readers of every load ask about; written once for the module.
SEEDED_IVR, SEEDED_SIPREC = "+4600", "+4601"
CALL = {"mode": "always",
        "command": {"action": {"type": "call", "destAddr": "sip:desk@pbx.example"}}}


@pytest.fixture(scope="module")
def cluster():
    # A SIGTERM (a CI timeout) unwinds like an error, so the cluster is still torn down.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with Cluster() as cluster:
        with httpx.Client(base_url=cluster.url, headers=AUTH, timeout=10) as client:
            assert client.post(f"{IVR}/{SEEDED_IVR}", json=CALL).status_code == 200
            siprec = client.post(f"/platform/{DOMAIN}/siprecfallback/{SEEDED_SIPREC}")
            assert siprec.status_code == 200
        yield cluster
    signal.signal(signal.SIGTERM, previous)


# -- the load -------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    kind: str
    sent: float
    done: float
    status: int | None  # None: no HTTP answer at all
    stale: str | None = None
    number: str | None = None
    detail: str = ""


class Load:
    """Writer and reader threads against HAProxy, one request at a time each, until stopped.

    Writers POST a new number each time (an acknowledged write is a 200); readers ask
    for the call-time decision, the IVR entry and the platform's SIPRec read of the
    seeded numbers, and check the answer. Bounded: `max_seconds`, then they stop.
    """

    READS = {
        "decision": (f"/platform/{DOMAIN}/ivrfallback/{SEEDED_IVR}/decision?outcome=timeout",
                     lambda body: body["apply"] is True),
        "get_entry": (f"{IVR}/{SEEDED_IVR}", lambda body: body["data"]["mode"] == "always"),
        "siprec": (f"/platform/{DOMAIN}/siprecfallback/{SEEDED_SIPREC}",
                   lambda body: body["inCache"] is True),
    }

    def __init__(self, url: str, prefix: str, writers: int = 3, readers: int = 3,
                 pause: float = 0.01, max_seconds: float = 60):
        self.url, self.prefix, self.pause = url, prefix, pause
        self.deadline = time.monotonic() + max_seconds
        self.results: list[Result] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(i,)) for i in range(writers)]
        self._threads += [threading.Thread(target=self._read, args=(i,)) for i in range(readers)]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self.deadline

    def _send(self, client, kind, method, path, check=None, number=None, **kwargs) -> None:
        sent = time.monotonic()
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.results.append(Result(kind, sent, time.monotonic(), None, number=number,
                                       detail=type(error).__name__))
            return
        status, detail = response.status_code, ""
        if status == 200 and check is not None and not check(response.json()):
            status, detail = 0, f"wrong answer: {response.text}"  # 0: answered, but wrongly
        elif status != 200:
            detail = f"{response.headers.get('retry-after')}|{response.text[:200]}"
        self.results.append(Result(kind, sent, time.monotonic(), status,
                                   response.headers.get("cache-stale"), number, detail))

    def _write(self, index: int) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            round_ = 0
            while self.running():
                number = f"{self.prefix}{index}-{round_}"
                self._send(client, "write", "POST", f"{IVR}/{number}", json=CALL, number=number)
                round_ += 1
                time.sleep(self.pause)

    def _read(self, index: int) -> None:
        kinds = list(self.READS)
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            round_ = index
            while self.running():
                kind = kinds[round_ % len(kinds)]
                path, check = self.READS[kind]
                self._send(client, kind, "GET", path, check)
                round_ += 1
                time.sleep(self.pause)

    # -- figures --

    def failed(self, since: float = 0, until: float = float("inf"), kinds=None) -> list[Result]:
        return [r for r in self.results if r.status != 200 and since <= r.sent < until
                and (kinds is None or r.kind in kinds)]

    def acknowledged(self) -> set[str]:
        return {r.number for r in self.results if r.kind == "write" and r.status == 200}


def fresh_since(load: Load, since: float, quiet: float = 2.0) -> float | None:
    """When the reads came back to the primary: the end of the last stale-marked read after
    `since`, once every read for `quiet` seconds after it was fresh; None before that.

    A time, not a count of fresh reads: each worker returns on its own (one of its
    statements succeeds, or its probe, once a second), and a worker still on the
    standby may get none of the next few dozen reads while its neighbours answer them.
    """
    answered = [r for r in load.results if r.kind in Load.READS and r.sent > since
                and r.status == 200]
    stale = [r.done for r in answered if r.stale is not None]
    back = max(stale, default=since)
    return back if answered and answered[-1].sent > back + quiet else None


def stored_numbers(cluster: Cluster, prefix: str) -> set[str]:
    engine = create_engine(cluster.primary_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(
                text("SELECT number FROM ivr_fallback WHERE number LIKE :p"),
                {"p": f"{prefix}%"}).scalars())
    finally:
        engine.dispose()


def served_by(cluster: Cluster) -> dict[str, int]:
    """Requests HAProxy has sent to each app host so far."""
    return {host: int(cluster.server_stats(host)["stot"]) for host in APP_HOSTS}


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
    """Drain (HAProxy's runtime API), SIGTERM, restart, wait until ready, enable; host by host."""
    timings = []
    with Load(cluster.url, prefix="r") as load:
        time.sleep(0.5)
        for host in APP_HOSTS:
            started = time.monotonic()
            cluster.haproxy(f"set server app/{host} state drain")
            wait_until(lambda: cluster.server_stats(host)["scur"] == "0", 10,
                       f"{host}'s requests in flight to end")
            assert cluster.stop_app(host) == 0
            cluster.start_app(host)
            cluster.haproxy(f"set server app/{host} state ready")
            wait_until(lambda: cluster.server_status(host) == "UP", 10, f"{host} to be up")
            timings.append(time.monotonic() - started)
        time.sleep(0.5)

    failed = load.failed()
    print(f"\nscaleout rolling restart: {len(load.results)} requests "
          f"({len(load.acknowledged())} writes) while 3 hosts restarted one by one "
          f"({', '.join(f'{seconds:.1f}' for seconds in timings)} s each), {len(failed)} failed")
    assert failed == []
    assert load.acknowledged() <= stored_numbers(cluster, "r")


# -- the primary dies -----------------------------------------------------------------------


def test_the_primary_stopped_reads_answer_from_the_standby_writes_get_503(cluster):
    reads = tuple(Load.READS)
    with Load(cluster.url, prefix="p") as load:
        time.sleep(1.5)
        stopped_at = time.monotonic()
        cluster.stop_postgres("db1")
        stop_took = time.monotonic() - stopped_at
        time.sleep(4)
        restarted_at = time.monotonic()
        cluster.start_postgres("db1")
        writes_back = wait_until(
            lambda: next((r.done for r in load.results
                          if r.kind == "write" and r.status == 200 and r.sent > restarted_at),
                         None),
            15, "writes to succeed again")
        # In each worker, the first statement the primary answers on a new connection (a
        # write, the use tally's flush every 2 s), or else its probe (once a second),
        # sends the reads back to the primary.
        reads_back = wait_until(lambda: fresh_since(load, restarted_at), 15,
                                "reads to come from the primary again")
        time.sleep(1)
        ended_at = time.monotonic()

    outage = [r for r in load.results if stopped_at <= r.sent < restarted_at]
    read_errors_first_2s = load.failed(stopped_at, stopped_at + 2, reads)
    read_errors_later = load.failed(stopped_at + 2, ended_at, reads)
    outage_reads = [r for r in outage if r.kind in reads and r.sent >= stopped_at + 2]
    first_reads = [r for r in outage if r.kind in reads and r.sent < stopped_at + 2]
    first_stale = min((r.done for r in outage if r.stale is not None), default=stopped_at)
    stale = [int(r.stale) for r in outage_reads if r.stale and r.stale.isdigit()]
    slowest_read = max((r.done - r.sent for r in outage_reads), default=0)
    outage_writes = [r for r in outage if r.kind == "write" and r.sent >= stopped_at + 2]
    refused_writes = [r for r in load.failed(stopped_at, restarted_at, ("write",))]
    after = [r for r in load.results if r.sent > writes_back]
    missing = load.acknowledged() - stored_numbers(cluster, "p")
    print(f"\nscaleout primary stopped: {len(load.results)} requests; "
          f"during the {4 + stop_took:.1f} s "
          f"outage {len([r for r in outage if r.kind in reads])} reads "
          f"(first from the standby {first_stale - stopped_at:.2f} s after the stop began; "
          f"{len(read_errors_first_2s)} failed in the first 2 s "
          f"{sorted({(r.kind, r.status) for r in read_errors_first_2s}, key=str)}, slowest "
          f"{max((r.done - r.sent for r in first_reads), default=0):.3f} s; "
          f"{len(read_errors_later)} failed after; "
          f"slowest after 2 s {slowest_read:.3f} s; Cache-Stale {min(stale, default='-')}.."
          f"{max(stale, default='-')} s) and {len([r for r in outage if r.kind == 'write'])} "
          f"writes ({len(refused_writes)} refused, statuses "
          f"{sorted({r.status for r in refused_writes}, key=str)}); writes back "
          f"{writes_back - restarted_at:.2f} s and every read {reads_back - restarted_at:.2f} s "
          f"after the primary restarted; "
          f"{len(after)} requests after, {len(load.failed(writes_back, ended_at))} failed "
          f"({sorted({(r.kind, r.status) for r in load.failed(writes_back, ended_at)}, key=str)}); "
          f"{len(missing)} acknowledged writes missing")
    assert read_errors_later == [], read_errors_later[:5]
    # A read may fail while the primary goes, but as the outage it is (503), never a 500.
    assert all(r.status != 500 for r in read_errors_first_2s), read_errors_first_2s
    assert outage_reads and all(r.stale is not None for r in outage_reads)
    assert slowest_read < 2
    # Every write of the outage (after the in-flight ones) was refused with 503 Retry-After.
    assert outage_writes and all(r.status == 503 and r.detail.split("|")[0].isdigit()
                                 for r in outage_writes), outage_writes[:3]
    assert missing == set()
    assert load.failed(writes_back + 1, ended_at) == []
    # And the reads stay on the primary once back: fresh answers, no stale mark.
    stale_after = [(round(r.sent - restarted_at, 3), r.kind, r.stale) for r in load.results
                   if r.sent > reads_back and r.stale is not None]
    assert stale_after == [], stale_after[:5]


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
