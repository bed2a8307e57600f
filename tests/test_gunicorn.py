"""A smoke test of the real production server process."""

import asyncio
import contextlib
import http.client
import json
import os
import select
import socket
import time
from pathlib import Path

import httpx

from app.serving import worker
from tests.helpers import DOMAIN, SECRET, bearer, make_token
from tests.live_server import server_on


def test_gunicorn_serves_the_api_and_stops_cleanly(database_url, tmp_path):
    server = server_on(database_url, tmp_path)
    auth = bearer(make_token())
    with server:
        body = {"mode": "onError", "command": {"action": {"type": "hangup"}}}
        posted = httpx.post(f"{server.url}/cache/{DOMAIN}/ivrfallback/+4610", json=body,
                            headers=auth)
        read = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback/%2B4610", headers=auth)
        listed = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback", headers=auth)
        unauthorized = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback")
        api_page = httpx.get(f"{server.url}/cache/ui/")

    assert server.process.returncode == 0
    assert posted.status_code == 200
    assert read.json()["data"]["command"] == body["command"]
    assert listed.json() == {"data": ["+4610"], "success": True}
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == "*"
    assert api_page.status_code == 200 and "swagger" in api_page.text.lower()
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Using worker: app.serving.worker.Worker" in log
    # Each worker closes its listening socket once. This line is what gunicorn logs
    # when a worker closes it a second time (uvloop's loop did, once per worker), which
    # can close a file of the handler threads instead (app/serving/worker.py).
    assert "Error while closing socket" not in log


def test_logs_are_json_with_request_ids_and_never_hold_a_token(database_url, tmp_path):
    server = server_on(database_url, tmp_path)
    good = make_token()
    expired = make_token(exp=1)
    foreign = make_token(key="x" * 48)
    with server:
        base = f"{server.url}/cache/{DOMAIN}/ivrfallback"
        answers = [
            httpx.get(base, headers={**bearer(good), "X-Request-ID": "trace-1"}),
            httpx.get(base, headers=bearer(expired)),
            httpx.get(base, headers=bearer(foreign)),
            httpx.get(f"{base}?access_token={good}"),
            httpx.post(f"{base}/1", content=b"{", headers={**bearer(good),
                                                           "Content-Type": "application/json"}),
            httpx.get(base, headers={"Authorization": good}),
        ]
    # A token in the query string is refused (400) before it is read, and never logged.
    assert [answer.status_code for answer in answers] == [200, 401, 401, 400, 400, 401]

    log = (tmp_path / "gunicorn.log").read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    for secret in (good, expired, foreign, SECRET, good.split(".")[1], good.split(".")[2]):
        assert secret not in log
    access = [line for line in lines if line["logger"] == "cache_api.access"]
    traced = [line for line in access if line["request_id"] == "trace-1"]
    assert len(traced) == 1
    assert {"status": 200, "method": "GET", "operation": "app.api.ivr_fallback.list_numbers"}.items() <= traced[0].items()
    assert all(line["request_id"] != "-" for line in access)
    assert not any("access_token" in line["path"] for line in access)


def test_connections_opened_at_once_are_spread_over_the_workers(database_url, tmp_path):
    """A client that opens its pool of connections at once gets them spread over the
    workers. With asyncio's own loop, the first worker awake accepted all that were
    waiting: it held 31 or 32 of 32 in 8 of 10 such bursts, and the other worker's core
    stayed idle for as long as the client kept them open (app/serving/worker.py)."""
    server = server_on(database_url, tmp_path)
    spreads = []
    with server:
        workers = _ready_workers(server, tmp_path / "gunicorn.log", count=2)
        for _ in range(3):
            time.sleep(0.3)  # the workers idle, as before a client starts
            pool = [socket.socket() for _ in range(32)]
            try:
                # As a client's pool does: every connection asked for before any is set up.
                for connection in pool:
                    connection.setblocking(False)
                    connection.connect_ex(("127.0.0.1", server.port))
                _, connected, _ = select.select([], pool, [], 10)
                assert len(connected) == 32
                for connection in pool:
                    connection.setblocking(True)
                    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
                for connection in pool:
                    assert connection.recv(4096).startswith(b"HTTP/1.1 200 ")
                spreads.append(_connections_held(workers, server.port))
            finally:
                for connection in pool:
                    connection.close()
    assert all(sum(held.values()) == 32 for held in spreads), spreads
    assert all(min(held.values()) >= 6 for held in spreads), spreads


def _ready_workers(server, log_path: Path, count: int, timeout: float = 30) -> list[int]:
    """The pids of the master's workers, once `count` of them serve (uvicorn logs it)."""
    deadline = time.monotonic() + timeout
    while log_path.read_text().count("Application startup complete") < count:
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.05)
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # After the command name in parentheses: the state, then the parent's pid.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server.process.pid:
                workers.append(int(stat.parent.name))
    assert len(workers) == count
    return workers


def _connections_held(workers: list[int], port: int) -> dict[int, int]:
    """How many established TCP connections to `port` each worker holds (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    held = {}
    for pid in workers:
        sockets = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()
                   if os.readlink(fd).startswith("socket:")}
        held[pid] = sum(f"socket:[{inode}]" in sockets for inode in inodes)
    return held


def test_a_keepalive_connection_is_closed_after_about_a_thousand_requests(database_url, tmp_path):
    """So that a client's next connection can go to a less busy worker (app/serving/worker.py):
    the last answer says `Connection: close`, and it is a whole answer."""
    server = server_on(database_url, tmp_path, workers=1)
    with server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for served in range(1, 2001):
                connection.request("GET", "/healthz")
                answer = connection.getresponse()
                assert answer.status == 200 and answer.read() == b'{"status":"alive"}'
                if answer.getheader("Connection") == "close":
                    break
        finally:
            connection.close()
    assert worker.KEEPALIVE_REQUESTS // 2 <= served <= worker.KEEPALIVE_REQUESTS * 3 // 2


def test_the_workers_loop_accepts_one_waiting_connection_per_wake_up():
    """The unit under test_connections_opened_at_once_are_spread_over_the_workers: of
    five connections waiting, one wake-up takes one.
    Called as asyncio's loop calls it when the listening socket is ready; it overrides a
    method of asyncio's own, which a new Python could change."""
    loop = worker.OneAcceptLoop()
    transports = []

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport):
            transports.append(transport)

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        clients = [socket.create_connection(listener.getsockname()) for _ in range(5)]
        try:
            loop._accept_connection(Protocol, listener, None, None, 100)
            loop.run_until_complete(asyncio.sleep(0.1))  # sets up the one it accepted
            left = []
            with contextlib.suppress(BlockingIOError):
                while True:
                    left.append(listener.accept()[0])
            assert (len(transports), len(left)) == (1, 4)
        finally:
            for connection in transports + left + clients:
                connection.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()


def test_a_client_chooses_neither_its_logged_address_nor_its_scheme_unless_a_named_proxy_says(
        database_url, tmp_path):
    """X-Forwarded-For and -Proto count only from a proxy named in CACHE_TRUSTED_PROXIES
    (docs/proxies.md); by default from no one, 127.0.0.1 included (uvicorn's default)."""
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    cases = [
        ({}, ("127.0.0.1", "http")),
        ({"CACHE_TRUSTED_PROXIES": "10.1.2.3"}, ("127.0.0.1", "http")),
        ({"CACHE_TRUSTED_PROXIES": "10.1.2.3, 127.0.0.0/8"}, ("203.0.113.9", "https")),
    ]
    seen = []
    for number, (settings, _) in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        server = server_on(database_url, folder, workers=1, **settings)
        with server:
            answer = httpx.get(f"{server.url}/healthz",
                               headers={**forged, "X-Request-ID": "forged"})
        assert answer.status_code == 200
        lines = [json.loads(line) for line in (folder / "gunicorn.log").read_text().splitlines()]
        [logged] = [line for line in lines
                    if line["logger"] == "cache_api.access" and line["request_id"] == "forged"]
        seen.append((logged["client"], logged["scheme"]))
    assert seen == [expected for _, expected in cases]
