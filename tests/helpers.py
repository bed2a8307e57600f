"""What several test modules use: the test tokens, a call body and the problem check."""

import os
import re
import time

import jwt

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
ISSUER = AUDIENCE = "cache-api"
DOMAIN = "example.com"
READ, WRITE, PLATFORM = "cache/read", "cache/write", "cache/platform"

ON_POSTGRES = os.environ.get("CACHE_TEST_ENGINE") == "postgresql"


# A call action with what a call needs, and a body that sets it (with `fields` added).
CALL = {"type": "call", "destAddr": "sip:a@example.com"}


def calling(**fields) -> dict:
    return {"mode": "always", "command": {"action": {**CALL, **fields}}}


def make_token(
    domains=(DOMAIN,), scopes=(READ, WRITE), key=SECRET, algorithm="HS256", headers=None, **claims
) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "tester",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        # Lists are sent as lists; a string or None (omitted) as they are, for odd claims.
        "domains": domains if isinstance(domains, str) or domains is None else list(domains),
        "scope": " ".join(scopes),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int | None = None, *mentions: str) -> None:
    """A problem+json refusal: `status` (any 4xx if None), readable by a page on another
    origin, `"success": false`, and a `detail` that names each of `mentions`."""
    if status is None:
        assert 400 <= response.status_code < 500, response.text
    else:
        assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["success"] is False and body["status"] == response.status_code
    for mention in mentions:
        assert mention in body["detail"], body


def metric(text: str, name: str, **labels) -> float:
    """The value of one sample of the exposition text (0 if absent)."""
    for line in text.splitlines():
        if line.startswith(f"{name}{{") or line.startswith(f"{name} "):
            sample_labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(sample_labels.get(key) == value for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0
