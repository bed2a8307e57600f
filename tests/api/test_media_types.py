"""The media type of a request body, on every operation that takes one.

Media types are case-insensitive (RFC 9110, 8.3.1) and JSON is UTF-8 (RFC 8259):
every spelling of `application/json` is read as JSON by every layer, and a body
without a Content-Type is refused as a body of another type is (415).
"""

import json

import pytest
import yaml

from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, assert_problem, bearer, make_token
from tests.live_server import ROOT

HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
# Every operation with a request body: (operationId, path, a valid body, body required).
OPERATIONS = {
    "ivr_fallback.set_entry": (f"/cache/{DOMAIN}/ivrfallback/1", HANGUP, True),
    "platform_siprec.set_entry": (f"/platform/{DOMAIN}/siprecfallback/1",
                                  {"expiration": "DAY"}, False),
    "platform_siprec.set_entries": (f"/platform/{DOMAIN}/siprecfallback",
                                    {"numbers": ["1", "2"], "expiration": "DAY"}, True),
    "manage_ivr.restore": (f"/manage/{DOMAIN}/ivrfallback/1/restore", {"version": 1}, True),
    "manage_ivr.renew": (f"/manage/{DOMAIN}/ivrfallback/1/renew", {"expiration": "DAY"}, False),
    "manage_siprec.renew": (f"/manage/{DOMAIN}/siprecfallback/1/renew",
                            {"expiration": "DAY"}, False),
    "manage_transfer.import_entries": (f"/manage/{DOMAIN}/ivrfallback/import",
                                       {"entries": [{"number": "2", **HANGUP}]}, True),
    "manage_transfer.import_entries dry run": (f"/manage/{DOMAIN}/ivrfallback/import?dryRun=true",
                                               {"entries": [{"number": "2", **HANGUP}]}, True),
}
# The operations whose every call is a new version of the entry.
WRITE_VERSIONS = ("ivr_fallback.set_entry", "manage_ivr.restore", "manage_ivr.renew",
                  "manage_transfer.import_entries")
JSON_SPELLINGS = [
    "application/json",
    "APPLICATION/JSON",
    "Application/Json; charset=utf-8",
    "application/json;charset=UTF-8",
    'application/json; charset="utf-8"',
    " application/json ",
    "application/JSON ; charset=utf-8",
]
NOT_JSON = ["", "text/plain", "application/jsonx", "application/json, text/plain", "*/*",
            "application/problem+json", "Application/X-WWW-Form-Urlencoded"]
OTHER_CHARSETS = ["application/json; charset=latin-1", "application/json; charset=utf-16",
                  "APPLICATION/JSON;CHARSET=ISO-8859-1"]


@pytest.fixture
def token():
    return bearer(make_token(scopes=(READ, WRITE, PLATFORM)))


@pytest.fixture
def seeded(client, token):
    """An IVR entry (version 1) and a SIPRec entry for the number 1."""
    assert client.post(f"/cache/{DOMAIN}/ivrfallback/1", json=HANGUP,
                       headers=token).status_code == 200
    assert client.post(f"/platform/{DOMAIN}/siprecfallback/1", headers=token).status_code == 200


def send(client, token, path, content: bytes, content_type: str | None):
    headers = dict(token) if content_type is None else {**token, "Content-Type": content_type}
    return client.post(path, content=content, headers=headers)


def test_the_table_holds_every_operation_with_a_body():
    with_body = {
        operation["operationId"]
        for name in ("cache.yaml", "platform.yaml", "manage.yaml")
        for item in yaml.safe_load((ROOT / "openapi" / name).read_text())["paths"].values()
        for method, operation in item.items()
        if method != "parameters" and "requestBody" in operation
    }
    assert with_body == {name.split()[0] for name in OPERATIONS}


@pytest.mark.parametrize("content_type", JSON_SPELLINGS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_spelling_of_json_is_json(client, token, seeded, stored, operation, content_type):
    path, body, _required = OPERATIONS[operation]
    expected = send(client, token, path, json.dumps(body).encode(), "application/json")
    assert expected.status_code == 200, expected.text
    assert expected.json()["success"] is True
    written = stored()

    response = send(client, token, path, json.dumps(body).encode(), content_type)

    assert response.status_code == 200, response.text
    answer = response.json()
    if operation == "manage_ivr.restore":
        assert answer == {**expected.json(), "version": expected.json()["version"] + 1}
    else:
        # The renewals' `ttl`, the lists' results: what the body said, not a default.
        assert answer == expected.json()
    if operation not in WRITE_VERSIONS:
        assert stored() == written


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_without_content_type_is_415(client, token, seeded, stored, operation):
    path, body, _required = OPERATIONS[operation]
    before = stored()
    for content in (json.dumps(body).encode(), b"{}", b" "):
        assert_problem(send(client, token, path, content, None), 415, "Content-Type")
    assert stored() == before


@pytest.mark.parametrize("content_type", NOT_JSON)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_of_another_media_type_is_415(client, token, seeded, stored, operation,
                                              content_type):
    path, body, _required = OPERATIONS[operation]
    before = stored()
    assert_problem(send(client, token, path, json.dumps(body).encode(), content_type), 415)
    assert stored() == before


@pytest.mark.parametrize("content_type", OTHER_CHARSETS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_json_in_another_charset_is_415(client, token, seeded, stored, operation, content_type):
    path, body, _required = OPERATIONS[operation]
    before = stored()
    assert_problem(send(client, token, path, json.dumps(body).encode(), content_type), 415,
                   "UTF-8")
    assert stored() == before


@pytest.mark.parametrize("content_type", [None, "application/json", "APPLICATION/JSON"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_body_is_the_default_or_a_400(client, token, seeded, stored, operation,
                                         content_type):
    path, _body, required = OPERATIONS[operation]
    before = stored()
    response = send(client, token, path, b"", content_type)
    if required:
        assert_problem(response, 400, "body")
        assert stored() == before
    else:
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True
