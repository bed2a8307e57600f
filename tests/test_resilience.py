"""The real server under concurrent writers, a database outage, and a graceful shutdown.

Each test prints its figures (run with `-s`, or read them in the tox output on failure).
"""

import signal
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from tests.helpers import DOMAIN, ON_POSTGRES, PLATFORM, READ, WRITE, bearer, make_token
from tests.live_server import server_on
from tests.tcp_proxy import TcpProxy

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600))
BASE = f"/cache/{DOMAIN}/ivrfallback"


def command_to(address: str) -> dict:
    return {"mode": "always", "command": {"action": {"type": "call", "destAddr": address}}}


def run_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_writers_lose_no_update_and_get_no_error(database_url, tmp_path):
    writers, rounds = 12, 25
    unexpected: list[tuple[str, int, str]] = []
    posted_to_shared: set[str] = set()

    def writer(index: int) -> None:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            for round_ in range(rounds):
                address = f"sip:{index}-{round_}@example.com"
                posted_to_shared.add(address)
                calls = [
                    ("POST shared", client.post(f"{BASE}/shared", json=command_to(address)), {200}),
                    ("POST own", client.post(f"{BASE}/w{index}", json=command_to(address)), {200}),
                    ("GET shared", client.get(f"{BASE}/shared"), {200}),
                    ("DELETE churn", client.delete(f"{BASE}/churn"), {200, 404}),
                    ("POST churn", client.post(f"{BASE}/churn", json=command_to(address)), {200}),
                    ("SIPRec", client.post(f"/platform/{DOMAIN}/siprecfallback/shared"), {200}),
                ]
                unexpected.extend((name, response.status_code, response.text)
                                  for name, response, allowed in calls
                                  if response.status_code not in allowed)

    with server_on(database_url, tmp_path, workers=3) as server:
        started = time.monotonic()
        run_threads(writers, writer)
        elapsed = time.monotonic() - started
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            shared = client.get(f"{BASE}/shared").json()["data"]["command"]["action"]["destAddr"]
            own = {index: client.get(f"{BASE}/w{index}").json()["data"]["command"]["action"]["destAddr"]
                   for index in range(writers)}
            listed = client.get(BASE).json()["data"]

    requests = writers * rounds * 6
    print(f"\nconcurrency ({'postgresql' if ON_POSTGRES else 'sqlite'}): {writers} writers, "
          f"{requests} requests over 3 workers in {elapsed:.2f} s ({requests / elapsed:.0f} req/s), "
          f"{len(unexpected)} unexpected answers")
    assert unexpected == []
    assert shared in posted_to_shared
    # One writer per key: its last write is what stays.
    assert own == {index: f"sip:{index}-{rounds - 1}@example.com" for index in range(writers)}
    assert listed == sorted(["churn", "shared", *(f"w{index}" for index in range(writers))])


@pytest.mark.skipif(not ON_POSTGRES, reason="an embedded SQLite database cannot become unreachable")
def test_database_outage_answers_503_quickly_and_recovers(database_url, tmp_path):
    target = make_url(database_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)

    with server_on(proxied, tmp_path, workers=2) as server, \
            httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        for _ in range(10):  # warm every worker's pool
            assert client.get(BASE).status_code == 200

        proxy.cut()
        cut_at = time.monotonic()
        outage = []
        for _ in range(8):
            sent = time.monotonic()
            response = client.get(BASE)
            outage.append((response, time.monotonic() - sent))
        first_503_after = outage[0][1]
        ready_during_outage = client.get("/readyz")

        proxy.restore()
        restored_at = time.monotonic()
        while client.get(BASE).status_code != 200 and time.monotonic() - restored_at < 30:
            time.sleep(0.05)
        recovered_after = time.monotonic() - restored_at
        written_after = client.post(f"{BASE}/after-outage", json=command_to("sip:a@b"))
    proxy.cut()

    slowest = max(seconds for _, seconds in outage)
    print(f"\noutage: first 503 {first_503_after:.3f} s after the cut, slowest answer during the "
          f"outage {slowest:.3f} s over {len(outage)} requests "
          f"({time.monotonic() - cut_at - recovered_after:.1f} s of outage), "
          f"recovered {recovered_after:.3f} s after the database came back")
    for response, seconds in outage:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"].isdigit()
        assert seconds < 2.5
    assert ready_during_outage.status_code == 503
    assert recovered_after < 5
    assert written_after.status_code == 200


def test_graceful_shutdown_loses_no_acknowledged_write(database_url, tmp_path):
    writers = 8
    acknowledged: list[str] = []
    refused: list[tuple[int, str]] = []

    def writer(index: int) -> None:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            for round_ in range(100_000):
                number = f"g{index}-{round_}"
                try:
                    response = client.post(f"{BASE}/{number}", json=command_to("sip:a@b"))
                except httpx.TransportError:
                    return  # the server has closed: this write was never acknowledged
                if response.status_code == 200:
                    acknowledged.append(number)
                else:
                    refused.append((response.status_code, response.text))

    server = server_on(database_url, tmp_path, workers=2).start()
    threads = [threading.Thread(target=writer, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    in_flight_before = len(acknowledged)
    server.process.send_signal(signal.SIGTERM)
    term_at = time.monotonic()
    exit_code = server.process.wait(60)
    shutdown_seconds = time.monotonic() - term_at
    for thread in threads:
        thread.join(30)

    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = set(connection.execute(
            text("SELECT number FROM ivr_fallback WHERE number LIKE 'g%'")).scalars())
    engine.dispose()

    print(f"\ngraceful shutdown: {writers} writers, {len(acknowledged)} writes acknowledged "
          f"({len(acknowledged) - in_flight_before} after SIGTERM was sent), "
          f"gunicorn exited {exit_code} {shutdown_seconds:.2f} s after SIGTERM, "
          f"{len(set(acknowledged) - stored)} acknowledged writes missing")
    assert exit_code == 0
    assert refused == []
    assert len(acknowledged) > 0
    assert set(acknowledged) <= stored
