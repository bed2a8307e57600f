"""Bad input: a 4xx problem+json that names what is wrong, and stored data untouched."""

import asyncio
import json

import pytest

from app.contract.schemas import CALL_ONLY_FIELDS
from tests.helpers import CALL, DOMAIN, assert_problem, bearer, calling, make_token

BASE = f"/cache/{DOMAIN}/ivrfallback"
ENTRY = f"{BASE}/1"


@pytest.fixture
def seeded(client, auth, stored):
    """One stored entry per cache, and a check that it is still exactly as it was."""
    body = {"mode": "always", "command": {"action": CALL}}
    assert client.post(ENTRY, json=body, headers=auth).status_code == 200
    before = stored()
    yield
    assert stored() == before


# --- paths ---------------------------------------------------------------------------------

BAD_DOMAINS = [
    "a" * 254,
    "exa_mple.com",
    "-example.com",
    "example..com",
    "ex%20ample.com",
    "example.com%0A",
    "%E2%80%AEexample.com",
]
BAD_NUMBERS = [
    "1" * 65,
    "with%20space",
    "semi;colon",
    "%C3%A5",
    "%E2%80%AE1",
    "%25",
]


@pytest.mark.parametrize("domain", BAD_DOMAINS)
@pytest.mark.parametrize("method", ["get", "options"])
def test_bad_domains_are_400(client, auth, seeded, domain, method):
    assert_problem(client.request(method, f"/cache/{domain}/ivrfallback", headers=auth), 400)


@pytest.mark.parametrize("domain", BAD_DOMAINS)
def test_bad_domains_are_400_for_any_token(client, seeded, domain):
    everything = bearer(make_token(domains=["*"]))
    assert_problem(client.get(f"/cache/{domain}/ivrfallback/1", headers=everything), 400)


@pytest.mark.parametrize("number", BAD_NUMBERS)
@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_bad_numbers_are_400(client, auth, seeded, number, method):
    body = {"mode": "always", "command": {"action": CALL}} if method == "post" else None
    for path in (f"{BASE}/{number}", f"/cache/{DOMAIN}/siprecfallback/{number}"):
        if method == "post" and "siprec" in path:
            continue
        assert_problem(client.request(method, path, headers=auth, json=body), 400, "number")


@pytest.mark.parametrize("path", [f"{BASE}/a%0Ab", f"{BASE}/a%00b", f"{BASE}/%7F",
                                  "/cache/example.com%0D%0A/ivrfallback"])
def test_control_characters_in_paths_are_400(client, auth, seeded, path):
    assert_problem(client.get(path, headers=auth), 400, "control characters")


def test_parameter_errors_name_the_parameter(client, auth):
    response = client.get(f"{BASE}/a%20b", headers=auth)
    assert response.json()["errors"][0]["field"] == "number"


def test_encoded_slash_in_a_number_is_not_a_number(client, auth, seeded):
    response = client.get(f"{BASE}/a%2Fb", headers=auth)
    assert response.status_code in (400, 404)
    assert response.json()["success"] is False


# --- bodies --------------------------------------------------------------------------------


def post_raw(client, auth, content: bytes, content_type="application/json"):
    return client.post(ENTRY, content=content, headers={**auth, "Content-Type": content_type})


@pytest.mark.parametrize("content", [b"{", b"not json", b"", b"{\"mode\": 'always'}"])
def test_body_that_is_not_json_is_400(client, auth, seeded, content):
    assert_problem(post_raw(client, auth, content), 400)


def test_body_that_is_not_utf8_is_400(client, auth, seeded):
    response = post_raw(client, auth, b'{"mode": "\xff\xfe"}')

    assert_problem(response, 400)
    assert response.json()["errors"] == [{"field": "body", "message": "is not valid UTF-8"}]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_body_that_is_not_application_json_is_415(client, auth, seeded, content_type):
    body = json.dumps({"mode": "always", "command": {"action": CALL}}).encode()
    assert_problem(post_raw(client, auth, body, content_type), 415)


def test_body_over_64_kib_is_413(client, auth, seeded):
    body = calling(sipFrom="x" * 70_000)
    assert_problem(post_raw(client, auth, json.dumps(body).encode()), 413, "64 KiB")


def test_body_over_64_kib_without_length_is_413(client, auth, seeded):
    def chunks():
        for _ in range(70):
            yield b" " * 1024

    assert_problem(client.post(ENTRY, content=chunks(), headers={
        **auth, "Content-Type": "application/json"}), 413)


BAD_BODIES = {
    "array": ([], "object"),
    "missing mode": ({"command": {"action": CALL}}, "mode"),
    "missing command": ({"mode": "always"}, "command"),
    "missing action": ({"mode": "always", "command": {}}, "action"),
    "missing type": ({"mode": "always", "command": {"action": {"destAddr": "x"}}}, "type"),
    "mode case": ({"mode": "Always", "command": {"action": CALL}}, "mode"),
    "type case": (calling(type="CALL"), "type"),
    "unknown type": ({"mode": "always", "command": {"action": {"type": "transfer"}}}, "type"),
    "null mode": ({"mode": None, "command": {"action": CALL}}, "mode"),
    "null destAddr": (calling(destAddr=None), "destAddr"),
    "null command": ({"mode": "always", "command": None}, "command"),
    "unknown top field": ({"mode": "always", "command": {"action": CALL}, "ttl": 5}, "ttl"),
    "unknown command field": ({"mode": "always", "command": {"action": CALL, "x": 1}}, "x"),
    "unknown action field": (calling(dest="y"), "dest"),
    "call without destAddr": ({"mode": "always", "command": {"action": {"type": "call"}}},
                              "destAddr"),
    "ring time zero": (calling(maxRingTime=0), "maxRingTime"),
    "ring time text": (calling(maxRingTime="30"), "maxRingTime"),
    "ring time fraction": (calling(maxRingTime=1.5), "maxRingTime"),
    "x header without X-": (calling(xHeaders={"Foo": "1"}), "xHeaders.Foo"),
    "p header without P-": (calling(pHeaders={"X-Foo": "1"}), "pHeaders.X-Foo"),
    "header name not a token": (calling(xHeaders={"X-a b": "1"}), "xHeaders.X-a b"),
    "header name with colon": (calling(xHeaders={"X-a:": "1"}), "xHeaders"),
    "header value with CRLF": (calling(xHeaders={"X-A": "1\r\nVia: evil"}), "X-A"),
    "copy header not a token": (calling(copyHeaders=["a b"]), "copyHeaders"),
    "contact parameter not a token": (calling(contactParameters={"a=b": "c"}), "contactParameters"),
    "phrase with two sources": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"fileName": "a.wav", "awsTTSParameters": {}}]}}, "phrases.0"),
    "phrase without source": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"format": "wav"}]}}, "phrases.0"),
    "NUL in a file name": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"fileName": "a\u0000.wav"}]}}, "fileName"),
    "newline in a format": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"fileName": "a.wav", "format": "wav\n"}]}}, "format"),
    "tab in a cache time": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"fileName": "a.wav", "cacheTimeToLive": "1\t"}]}},
        "cacheTimeToLive"),
    "null in tts parameters": ({"mode": "always", "command": {
        "action": CALL, "phrases": [{"googleTTSParameters": {"voice": None}}]}},
        "phrases.0.googleTTSParameters.voice"),
}


@pytest.mark.parametrize("body, field", BAD_BODIES.values(), ids=BAD_BODIES)
def test_bad_bodies_are_400_naming_the_field(client, auth, seeded, body, field):
    assert_problem(client.post(ENTRY, json=body, headers=auth), 400, field)


@pytest.mark.parametrize("field", CALL_ONLY_FIELDS)
def test_call_only_fields_are_refused_on_hangup(client, auth, seeded, field):
    value = {"maxRingTime": 30, "xHeaders": {"X-A": "1"}, "pHeaders": {"P-A": "1"},
             "contactParameters": {"a": "1"}, "contactUserParameters": {"a": "1"},
             "copyHeaders": ["X-A"]}.get(field, "sip:x@example.com")
    body = {"mode": "always", "command": {"action": {"type": "hangup", field: value}}}
    response = client.post(ENTRY, json=body, headers=auth)
    assert_problem(response, 400, f"action.{field}", "hangup")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_400(client, auth, seeded, literal):
    content = b'{"mode":"always","expiration":' + literal + b',"command":{"action":{"type":"hangup"}}}'
    assert_problem(post_raw(client, auth, content), 400)


def test_non_finite_numbers_inside_tts_parameters_are_400(client, auth, seeded):
    content = (b'{"mode":"always","command":{"action":{"type":"hangup"},'
               b'"phrases":[{"googleTTSParameters":{"rate":NaN}}]}}')
    assert_problem(post_raw(client, auth, content), 400)


def test_unknown_query_parameters_are_400(client, auth, seeded):
    assert_problem(client.get(f"{BASE}?limit=5", headers=auth), 400, "limit")


def test_unknown_methods_are_405(client, auth, seeded):
    assert_problem(client.put(ENTRY, json={}, headers=auth), 405)
    assert_problem(client.patch(BASE, json={}, headers=auth), 405)


def test_content_length_that_is_not_a_number_is_400(client, auth, seeded):
    response = client.post(ENTRY, content=b"{}", headers={
        **auth, "Content-Type": "application/json", "Content-Length": "12abc"})
    assert_problem(response, 400, "Content-Length")


# `²` in Latin-1 (how header bytes are read), Arabic-Indic 2 in UTF-8, and int()'s spellings.
@pytest.mark.parametrize("length", [b"\xb2", "٢".encode(), b"1_0", b" 2"])
def test_content_length_in_other_digits_is_400(app, auth, seeded, length):
    """str.isdigit takes `²`, which int() refuses (it was a 500). uvicorn's HTTP parser
    refuses it first today; the app does not count on that. Sent as an ASGI server hands
    it over: no test client sends these bytes."""
    headers = [(b"content-type", b"application/json"), (b"content-length", length),
               *((name.lower().encode(), value.encode()) for name, value in auth.items())]
    status, body = asgi_post(app, ENTRY, headers, b"{}")
    assert status == 400 and b"Content-Length" in body, body


def asgi_post(app, path: str, headers: list, body: bytes) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("testserver", 80),
             "client": ("127.0.0.1", 1), "headers": [(b"host", b"testserver"), *headers]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


# --- what a 400 says: each wrong field by name, with a message a person can act on -------

PERIODS = "must be one of DAY, WEEK, MONTH, QUARTER, HALF-YEAR or a unix timestamp in seconds"
ONE_SOURCE = "must have exactly one of fileName, googleTTSParameters or awsTTSParameters"


def hangup(**command) -> dict:
    return {"mode": "always", "command": {"action": {"type": "hangup"}, **command}}


FIELD_ERRORS = {
    "unknown top field": (
        {**hangup(), "ttl": 5},
        "ttl", "is not a known field; the fields here are mode, expiration and command"),
    "unknown nested field": (
        hangup(extra=1), "command.extra",
        "is not a known field; the fields here are action and phrases"),
    "missing mode": ({"command": {"action": CALL}}, "mode", "is required"),
    "missing action": ({"mode": "always", "command": {}}, "command.action", "is required"),
    "a period that does not exist": ({**hangup(), "expiration": "YEAR"}, "expiration", PERIODS),
    "a period in lower case": ({**hangup(), "expiration": "week"}, "expiration", PERIODS),
    "a boolean expiration": ({**hangup(), "expiration": True}, "expiration", PERIODS),
    "a mode in the wrong case": (
        {"mode": "Always", "command": {"action": CALL}}, "mode",
        "must be one of onError or always (case-sensitive)"),
    "a null mode": ({"mode": None, "command": {"action": CALL}}, "mode",
                    "must be a string, not null"),
    "a phrase with two sources": (
        hangup(phrases=[{"fileName": "a.wav", "googleTTSParameters": {}}]), "command.phrases.0",
        f"{ONE_SOURCE}; it has fileName and googleTTSParameters"),
    "a phrase without a source": (
        hangup(phrases=[{"format": "wav"}]), "command.phrases.0", f"{ONE_SOURCE}; it has none"),
    "a phrase that is not an object": (
        hangup(phrases=["closed.wav"]), "command.phrases.0", "must be an object with exactly "
        "one of fileName, googleTTSParameters or awsTTSParameters"),
    "a file phrase with an unknown field": (
        hangup(phrases=[{"fileName": "a.wav", "text": "Hi"}]), "command.phrases.0.text",
        "is not a known field; the fields here are fileName, format, cacheTimeToLive "
        "and refreshCache"),
    "a file phrase with an empty name": (
        hangup(phrases=[{"fileName": ""}]), "command.phrases.0.fileName", "must not be empty"),
    "a control character": (
        hangup(phrases=[{"fileName": "a\u0000.wav"}]), "command.phrases.0.fileName",
        "must not contain control characters"),
    "a ring time of zero": (calling(maxRingTime=0), "command.action.maxRingTime",
                            "must be at least 1"),
    "a ring time over an hour": (calling(maxRingTime=3601), "command.action.maxRingTime",
                                 "must be at most 3600"),
    "a header value that is a number": (
        calling(xHeaders={"X-A": 1}), "command.action.xHeaders.X-A", "must be a string"),
    "a body that is a list": ([], "body", "must be an object"),
}


@pytest.mark.parametrize("body, field, message", FIELD_ERRORS.values(), ids=FIELD_ERRORS)
def test_a_400_names_the_field_and_says_what_it_may_be(client, auth, seeded, body, field,
                                                       message):
    response = client.post(ENTRY, json=body, headers=auth)

    assert_problem(response, 400, f"{field}: {message}")
    assert {"field": field, "message": message} in response.json()["errors"]


def test_a_400_names_every_wrong_field(client, auth, seeded):
    body = {"mode": "never", "expiration": "YEAR", "command": {"action": CALL}, "extra": 1}

    response = client.post(ENTRY, json=body, headers=auth)

    assert_problem(response, 400)
    assert sorted(error["field"] for error in response.json()["errors"]) == [
        "expiration", "extra", "mode"]


@pytest.mark.parametrize("content", [b"{", b"not json", b"{\"mode\": 'always'}"])
def test_malformed_json_names_the_body(client, auth, seeded, content):
    response = post_raw(client, auth, content)

    assert_problem(response, 400, "body: is not valid JSON")
    [error] = response.json()["errors"]
    assert error["field"] == "body" and error["message"].startswith("is not valid JSON: ")
    assert "line 1, column" in error["message"]


def test_an_empty_body_names_the_body(client, auth, seeded):
    response = post_raw(client, auth, b"")

    assert_problem(response, 400)
    assert response.json()["errors"] == [
        {"field": "body", "message": "is required: send a JSON object"}]


def test_an_unknown_query_parameter_is_named(client, auth, seeded):
    response = client.get(f"{BASE}?limit=5", headers=auth)

    assert_problem(response, 400)
    assert response.json()["errors"] == [
        {"field": "limit", "message": "is not a query parameter of this operation"}]


def test_a_bad_platform_expiration_names_the_periods(client, platform_auth, stored):
    response = client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={"expiration": "YEAR"},
                           headers=platform_auth)

    assert_problem(response, 400)
    assert response.json()["errors"] == [{"field": "expiration", "message": PERIODS}]
    assert stored()["siprec_fallback"] == []


@pytest.mark.parametrize("method, path, headers, says", [
    ("get", f"{BASE}/bad%20number", {}, "'bad number' is not a number: 1 to 64 of the characters"),
    ("get", f"/manage/{DOMAIN}/ivrfallback/bad%20number/usage", {}, "is not a number"),
    ("post", ENTRY, {"If-Match": "3"}, "'3' is not an entity tag of this API"),
    ("delete", ENTRY, {"If-Match": 'W/"3"'}, "is not an entity tag of this API"),
    ("post", f"/manage/{DOMAIN}/ivrfallback/1/renew", {"If-Match": "x"}, "is not an entity tag"),
])
def test_a_value_refused_by_a_pattern_is_told_in_words_not_the_pattern(
        client, auth, method, path, headers, says):
    body = calling() if method == "post" and path == ENTRY else {}
    response = getattr(client, method)(path, headers={**auth, **headers},
                                       **({"json": body} if method == "post" else {}))
    assert_problem(response, 400, says)
    assert "does not match" not in response.text and "^" not in response.json()["detail"]
