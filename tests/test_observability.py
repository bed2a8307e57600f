"""Health, readiness, metrics and request ids, through the real app."""

import os
import re

import pytest

from app import create_app
from app.storage import migrate
from tests.helpers import DOMAIN, SECRET, metric

HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}


def test_healthz_needs_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_when_the_schema_is_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_503_when_the_schema_falls_behind(tmp_path, empty_database_url):
    migrate.upgrade(empty_database_url)
    app = create_app({"instance_path": tmp_path, "database_url": empty_database_url,
                      "jwt_secret": SECRET})
    with app.test_client() as client:
        migrate.downgrade(empty_database_url, "base")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "cache-api db upgrade" in response.json()["detail"]


def test_readiness_checks_are_counted_by_answer(tmp_path, empty_database_url):
    migrate.upgrade(empty_database_url)
    app = create_app({"instance_path": tmp_path, "database_url": empty_database_url,
                      "jwt_secret": SECRET})
    with app.test_client() as client:
        before = client.get("/metrics").text
        client.get("/readyz")
        migrate.downgrade(empty_database_url, "base")
        client.get("/readyz")
        client.get("/readyz")
        after = client.get("/metrics").text
    for ready, more in (("true", 1), ("false", 2)):
        assert metric(after, "cache_readiness_checks_total", ready=ready) == (
            metric(before, "cache_readiness_checks_total", ready=ready) + more)


def test_metrics_answer_while_the_database_fails(tmp_path, empty_database_url, auth):
    """A scrape during an outage must still carry the errors that tell of it."""
    migrate.upgrade(empty_database_url)
    app = create_app({"instance_path": tmp_path, "database_url": empty_database_url,
                      "jwt_secret": SECRET})
    with app.test_client() as client:
        before = client.get("/metrics").text
        migrate.downgrade(empty_database_url, "base")  # every table gone
        failed = client.get(f"/cache/{DOMAIN}/ivrfallback/1", headers=auth)
        response = client.get("/metrics")
    assert failed.status_code == 503
    assert response.status_code == 200
    assert metric(response.text, "cache_database_errors_total") == (
        metric(before, "cache_database_errors_total") + 1)
    assert "cache_entries{" not in response.text
    assert "cache_entries{" in before


def test_metrics_give_the_serving_process_memory(client):
    text = client.get("/metrics").text
    assert metric(text, "cache_worker_resident_memory_bytes", pid=str(os.getpid())) > 1e6


def test_metrics_count_requests_by_operation_and_status(client, auth):
    before = client.get("/metrics").text
    client.post(f"/cache/{DOMAIN}/ivrfallback/1", json=HANGUP, headers=auth)
    client.get(f"/cache/{DOMAIN}/ivrfallback/2", headers=auth)

    after = client.get("/metrics").text

    get = {"operation": "app.api.ivr_fallback.get_entry", "method": "GET", "status": "404"}
    post = {"operation": "app.api.ivr_fallback.set_entry", "method": "POST", "status": "200"}
    for labels in (get, post):
        assert metric(after, "cache_http_requests_total", **labels) == (
            metric(before, "cache_http_requests_total", **labels) + 1
        )
    assert metric(after, "cache_http_request_duration_seconds_count",
                  operation="app.api.ivr_fallback.set_entry") >= 1


def test_metrics_count_live_entries_per_cache(client, auth, platform_auth, frozen_clock):
    client.post(f"/cache/{DOMAIN}/ivrfallback/1", json=HANGUP, headers=auth)
    client.post(f"/cache/{DOMAIN}/ivrfallback/2", json={**HANGUP, "expiration": "DAY"},
                headers=auth)
    client.post(f"/platform/{DOMAIN}/siprecfallback/1", headers=platform_auth)

    text = client.get("/metrics").text
    assert metric(text, "cache_entries", cache="ivr") == 2
    assert metric(text, "cache_entries", cache="siprec") == 1

    frozen_clock.advance(86_400)
    assert metric(client.get("/metrics").text, "cache_entries", cache="ivr") == 1


def test_metrics_are_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE cache_http_requests_total counter" in response.text
    assert "# TYPE cache_database_errors_total counter" in response.text


@pytest.mark.parametrize("path", ["/healthz", f"/cache/{DOMAIN}/ivrfallback", "/nowhere"])
def test_a_request_id_is_made_when_none_is_sent(client, auth, path):
    first = client.get(path, headers=auth).headers["x-request-id"]
    second = client.get(path, headers=auth).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_an_incoming_request_id_is_echoed(client, auth):
    response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers={**auth, "X-Request-ID": "lb-42.a"})
    assert response.headers["x-request-id"] == "lb-42.a"


@pytest.mark.parametrize("incoming", ["a" * 129, "has space", "<script>", "a\u202eb"])
def test_an_unsafe_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming.encode("utf-8")})
    assert response.headers["x-request-id"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
