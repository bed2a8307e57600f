"""Both specs against the real production server: whatever the input, the answer is the spec's.

Schemathesis generates valid and invalid requests from openapi/cache.yaml and
openapi/platform.yaml and sends them to gunicorn. Every default check runs on
every answer: no server error, a declared status code, content type, body and
headers, valid data accepted, invalid data refused, authentication enforced.
With a token, what a valid POST stored is read back and must be what was sent.
"""

import json
import math
import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.helpers import PLATFORM, READ, WRITE, bearer, make_token
from tests.contract.helpers import SENT

SPECS = Path(__file__).resolve().parents[2] / "openapi"
cache_api = schemathesis.openapi.from_path(SPECS / "cache.yaml")
platform_api = schemathesis.openapi.from_path(SPECS / "platform.yaml")
manage_api = schemathesis.openapi.from_path(SPECS / "manage.yaml")

# Bounded and reproducible: the same examples on every run.
EXAMPLES = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
# Valid for the whole run; grants every domain the generator may draw, and every scope.
TOKEN = make_token(domains=["*"], scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600)
ENTRY = "/{domain}/ivrfallback/{number}"
SIPREC = "/{domain}/siprecfallback/{number}"
BULK_SIPREC = "/{domain}/siprecfallback"


def base_url(server, schema) -> str:
    """The server root plus the spec's own server path (`/cache` or `/platform`)."""
    return server.url + schema.raw_schema["servers"][0]["url"]


@pytest.fixture
def example_entries(live_server):
    """The spec's example number is in both caches, so GET and DELETE also answer 200 bodies.

    Tables are emptied after each operation's test (tests/conftest.py `empty_tables`).
    """
    spec = cache_api.raw_schema
    domain, number = (spec["components"]["parameters"][name]["example"]
                      for name in ("domain", "number"))
    post = spec["paths"][ENTRY]["post"]["requestBody"]["content"]["application/json"]
    for path, body in ((f"/cache/{domain}/ivrfallback/{quote(number)}",
                        post["examples"]["call"]["value"]),
                       (f"/platform/{domain}/siprecfallback/{quote(number)}", {})):
        response = httpx.post(live_server.url + path, json=body, headers=bearer(TOKEN))
        assert response.status_code == 200, response.text


# --- the rules the specs state in words (descriptions) only, not in JSON Schema -------------

TEN_YEARS = int(10 * 365.25 * 86_400)
CALL_ONLY = ("destAddr", "sipFrom", "sipTo", "sipDiversion", "sipPAI", "sipRPID", "maxRingTime",
             "xHeaders", "pHeaders", "contactParameters", "contactUserParameters", "copyHeaders")
SIP_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~-]+")


def expiration_refused(expiration) -> bool:
    """A timestamp in the past, or so far ahead that it must be milliseconds."""
    if isinstance(expiration, bool) or not isinstance(expiration, (int, float)):
        return False
    ahead = math.floor(expiration) - time.time()
    return ahead <= 0 or ahead > TEN_YEARS


def holds_null(value) -> bool:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return any(holds_null(item) for item in value)
    return value is None


def refused_by_a_described_rule(body) -> str | None:
    """The field by which a schema-valid body breaks a rule the spec states in words.

    The service must refuse such a body with a 400 that names the field.
    """
    if not isinstance(body, dict):
        return None
    if expiration_refused(body.get("expiration")):
        return "expiration"
    for index, phrase in enumerate(body.get("command", {}).get("phrases", [])):
        for engine in ("googleTTSParameters", "awsTTSParameters"):
            if engine in phrase and holds_null(phrase[engine]):
                return f"phrases.{index}.{engine}"
    action = body.get("command", {}).get("action", {})
    if action.get("type") == "hangup":
        for name in CALL_ONLY:
            if name in action:
                return f"action.{name}"
    elif action.get("type") == "call":
        if "destAddr" not in action:
            return "destAddr"
        for field, prefix in (("xHeaders", "x-"), ("pHeaders", "p-")):
            for name in action.get(field, {}):
                if not (SIP_TOKEN.fullmatch(name) and name.lower().startswith(prefix)):
                    return field
        for field in ("contactParameters", "contactUserParameters", "copyHeaders"):
            if not all(SIP_TOKEN.fullmatch(name) for name in action.get(field, ())):
                return field
    return None


MAX_RANGE_SECONDS = 90 * 86_400


def refused_range(query) -> str | None:
    """The parameter by which a schema-valid query breaks the use-over-time range rules
    (manage.yaml's `from` and `to`: given together, `from` before `to`, at most 90 days
    apart; `bucket` only with them)."""
    query = query or {}
    start, end = query.get("from"), query.get("to")
    if start is None and end is None:
        return "from" if "bucket" in query else None
    if start is None:
        return "from"
    if end is None:
        return "to"
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return None  # not integers: the schema's own checks judge them
    if end <= start or end - start > MAX_RANGE_SECONDS:
        return "to"
    return None


def is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def conditional(case) -> bool:
    return bool(case.headers) and bool({"If-Match", "If-None-Match"} & set(case.headers))


def is_the_operation(case) -> bool:
    """False for the coverage phase's probes with other methods (those must be 405)."""
    return case.method == case.operation.method.upper()


# --- sending --------------------------------------------------------------------------------


def send_with_token(server, case, test: str):
    url = base_url(server, case.operation.schema)
    field = (refused_by_a_described_rule(case.body) or refused_range(case.query)
             if is_positive(case) else None)
    if conditional(case):
        # Whether If-Match / If-None-Match hold depends on what is stored, not on the data
        # (and the generator does not keep header values to their pattern); every other
        # check still runs. tests/api/test_conditional_writes.py judges the answers.
        response = case.call_and_validate(base_url=url, headers=bearer(TOKEN),
                                          excluded_checks=[positive_data_acceptance])
    elif field is None:
        response = case.call_and_validate(base_url=url, headers=bearer(TOKEN))
    else:
        # Every other check still runs; instead of "valid data is accepted", the rule's refusal.
        response = case.call_and_validate(base_url=url, headers=bearer(TOKEN),
                                          excluded_checks=[positive_data_acceptance])
        if is_the_operation(case):
            assert response.status_code == 400, response.text
            assert field in response.json()["detail"], response.text
    SENT[(test, case.operation.label, response.status_code)] += 1
    # The management API's writes are read back by its own tests (tests/api/test_manage.py).
    if case.method == "POST" and response.status_code == 200 and (
            case.operation.schema.raw_schema["servers"][0]["url"] != "/manage"):
        read_back(server, case, response)
    return response


def read_back(server, case, response) -> None:
    """What a POST stored is read back through the spec's GET, and is exactly what was sent."""
    if case.operation.path == BULK_SIPREC:
        for result in response.json()["results"]:
            # All-dot numbers are dot segments to an HTTP client; tests/api reach them.
            if result["written"] and result["number"].strip("."):
                parameters = {"domain": case.path_parameters["domain"], "number": result["number"]}
                get = cache_api[SIPREC]["GET"].Case(path_parameters=parameters)
                answer = get.call_and_validate(base_url=base_url(server, cache_api),
                                               headers=bearer(TOKEN))
                assert answer.json() == {"inCache": True}, (result, answer.text)
        return
    if case.operation.path == SIPREC:
        get = cache_api[SIPREC]["GET"].Case(path_parameters=case.path_parameters)
        response = get.call_and_validate(base_url=base_url(server, cache_api),
                                         headers=bearer(TOKEN))
        assert response.json() == {"inCache": True}
        return
    get = cache_api[ENTRY]["GET"].Case(path_parameters=case.path_parameters)
    response = get.call_and_validate(base_url=base_url(server, cache_api), headers=bearer(TOKEN))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["mode"], data["command"]) == (case.body["mode"], case.body["command"])
    if not isinstance(case.body.get("expiration", ""), str):
        assert data["ttl"] == math.floor(case.body["expiration"])


def send_without_token(server, case, test: str):
    """As generated (no header, a random bearer value, another scheme), then without the header."""
    url = base_url(server, case.operation.schema)
    responses = [case.call_and_validate(base_url=url)]
    if case.headers and "Authorization" in case.headers:
        del case.headers["Authorization"]
        responses.append(case.call_and_validate(base_url=url))
    for response in responses:
        SENT[(test, case.operation.label, response.status_code)] += 1
        if is_the_operation(case) and case.method != "OPTIONS":
            assert response.status_code in (400, 401), response.text
            if response.status_code == 400:
                # Only a path the guard refuses before any token check.
                detail = response.json()["detail"]
                assert "control characters" in detail or "encoded slash" in detail, detail


# --- the tests ------------------------------------------------------------------------------


@cache_api.parametrize()
@EXAMPLES
def test_public_api_with_a_token(live_server, example_entries, case):
    send_with_token(live_server, case, "public, token")


@cache_api.parametrize()
@EXAMPLES
def test_public_api_without_a_token(live_server, case):
    send_without_token(live_server, case, "public, no token")


@platform_api.parametrize()
@EXAMPLES
def test_platform_api_with_a_token(live_server, example_entries, case):
    send_with_token(live_server, case, "platform, token")


@platform_api.parametrize()
@EXAMPLES
def test_platform_api_without_a_token(live_server, case):
    send_without_token(live_server, case, "platform, no token")


@manage_api.parametrize()
@EXAMPLES
def test_management_api_with_a_token(live_server, example_entries, case):
    send_with_token(live_server, case, "manage, token")


@manage_api.parametrize()
@EXAMPLES
def test_management_api_without_a_token(live_server, case):
    send_without_token(live_server, case, "manage, no token")


@pytest.mark.parametrize("spec", ["cache", "platform", "manage"])
def test_the_server_serves_its_specs(live_server, spec):
    """What the generator read from openapi/ is what clients get from the server."""
    response = httpx.get(f"{live_server.url}/{spec}/openapi.json")
    assert response.status_code == 200, response.text
    served = response.json()
    loaded = {"cache": cache_api, "platform": platform_api, "manage": manage_api}[spec].raw_schema
    assert {path: sorted(item) for path, item in served["paths"].items()} == {
        path: sorted(item) for path, item in loaded["paths"].items()}


def test_the_server_logged_no_error(live_server):
    """Runs after the tests above: no answer hid a failure behind a 4xx."""
    records = [json.loads(line) for line in live_server.log_path.read_text().splitlines()
               if line.startswith("{")]
    assert records, "the server logged nothing"
    assert [r for r in records if r["level"] not in ("DEBUG", "INFO", "WARNING")] == []
