"""Both specs against the real production server: whatever the input, the answer is the spec's.

Schemathesis generates valid and invalid requests from openapi/cache.yaml and
openapi/platform.yaml and sends them to gunicorn; every default check runs on
every answer: no server error, a declared status code, content type, body and
headers, valid data accepted, invalid data refused, authentication enforced.
"""

import time
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import PLATFORM, READ, WRITE, bearer, make_token
from tests.contract.conftest import SENT

SPECS = Path(__file__).resolve().parents[2] / "openapi"
cache_api = schemathesis.openapi.from_path(SPECS / "cache.yaml")
platform_api = schemathesis.openapi.from_path(SPECS / "platform.yaml")

# Bounded and reproducible: the same examples on every run.
EXAMPLES = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
# Valid for the whole run; grants every domain the generator may draw, and every scope.
TOKEN = make_token(domains=["*"], scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600)


def base_url(server, case) -> str:
    """The server root plus the spec's own server path (`/cache` or `/platform`)."""
    return server.url + case.operation.schema.raw_schema["servers"][0]["url"]


def send_with_token(server, case, test: str):
    SENT[(test, case.operation.label)] += 1
    return case.call_and_validate(base_url=base_url(server, case), headers=bearer(TOKEN))


def send_without_token(server, case, test: str):
    """Whatever the generator put in Authorization (a random bearer value, or none) is sent."""
    SENT[(test, case.operation.label)] += 1
    return case.call_and_validate(base_url=base_url(server, case))


@cache_api.parametrize()
@EXAMPLES
def test_public_api_with_a_token(live_server, case):
    send_with_token(live_server, case, "public, token")


@cache_api.parametrize()
@EXAMPLES
def test_public_api_without_a_token(live_server, case):
    response = send_without_token(live_server, case, "public, no token")
    if case.method != "OPTIONS":
        assert response.status_code in (400, 401), response.text


@platform_api.parametrize()
@EXAMPLES
def test_platform_api_with_a_token(live_server, case):
    send_with_token(live_server, case, "platform, token")


@platform_api.parametrize()
@EXAMPLES
def test_platform_api_without_a_token(live_server, case):
    response = send_without_token(live_server, case, "platform, no token")
    assert response.status_code in (400, 401), response.text
