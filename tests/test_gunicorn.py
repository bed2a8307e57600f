"""A smoke test of the real production server process."""

import json

import httpx

from tests.conftest import DOMAIN, SECRET, bearer, make_token
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
    assert "Using worker: app.worker.Worker" in log
    # Each worker closes its listening socket once. This line is what gunicorn logs
    # when a worker closes it a second time (uvloop's loop did, once per worker), which
    # can close a file of the handler threads instead (app/worker.py).
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
