"""A smoke test of the real production server process."""

import httpx

from tests.conftest import DOMAIN, SECRET, bearer, make_token
from tests.live_server import LiveServer


def test_gunicorn_serves_the_api_and_stops_cleanly(database_url, tmp_path):
    server = LiveServer(
        {"CACHE_DATABASE_URL": database_url, "CACHE_JWT_SECRET": SECRET,
         "CACHE_INSTANCE_PATH": str(tmp_path)},
        log_path=tmp_path / "gunicorn.log",
    )
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
    assert "UvicornWorker" in log or "Booting worker" in log
