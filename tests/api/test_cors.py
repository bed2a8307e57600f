"""CORS: every answer is readable by a browser; OPTIONS preflights every public path."""

import pytest

from app import create_app
from tests.helpers import DOMAIN

PATHS = {
    f"/cache/{DOMAIN}/ivrfallback": "GET, OPTIONS",
    f"/cache/{DOMAIN}/ivrfallback/1": "GET, POST, DELETE, OPTIONS",
    f"/cache/{DOMAIN}/siprecfallback/1": "GET, DELETE, OPTIONS",
}


@pytest.mark.parametrize("path, methods", PATHS.items())
def test_options_needs_no_token_and_answers_the_preflight(client, path, methods):
    response = client.options(path, headers={
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })
    assert response.status_code == 200
    assert response.json() == {}
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_options_on_a_bad_path_is_a_400_with_cors(client):
    response = client.options("/cache/bad_domain!/ivrfallback")
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("method, path, headers_kind, status", [
    ("get", f"/cache/{DOMAIN}/ivrfallback", "auth", 200),
    ("get", f"/cache/{DOMAIN}/ivrfallback/1", "auth", 404),
    ("get", f"/cache/{DOMAIN}/ivrfallback", None, 401),
    ("get", "/cache/other.example/ivrfallback", "auth", 403),
    ("get", f"/cache/{DOMAIN}/ivrfallback/bad%20number", "auth", 400),
    ("put", f"/cache/{DOMAIN}/ivrfallback/1", "auth", 405),
    ("get", "/cache/nothing-here", "auth", 404),
])
def test_every_answer_carries_allow_origin(client, auth, method, path, headers_kind, status):
    response = client.request(method, path, headers=auth if headers_kind else {})
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == "*"


def test_configured_origins_are_echoed_only_when_allowed(settings_overrides):
    app = create_app({**settings_overrides, "cors_origins": ("https://a.example", "https://b.example")})
    path = f"/cache/{DOMAIN}/ivrfallback"
    with app.test_client() as client:
        allowed = client.options(path, headers={"Origin": "https://b.example"})
        refused = client.options(path, headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://b.example"
    assert refused.headers["access-control-allow-origin"] != "https://evil.example"
    assert "Origin" in allowed.headers["vary"]
