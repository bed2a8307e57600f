"""Token attacks: forged, confused, misdirected and over-reaching tokens are refused.

Extends test_security.py. 401 when the token itself cannot be trusted (signature,
algorithm, key, issuer, audience, time); 403 when a valid token does not grant the
path's domain or the operation's scope.
"""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from app import create_app
from tests.jwks_server import JwksServer, jwk_of
from tests.helpers import (
    AUDIENCE,
    DOMAIN,
    ISSUER,
    PLATFORM,
    READ,
    SECRET,
    WRITE,
    assert_problem,
    bearer,
    make_token,
)

LIST = f"/cache/{DOMAIN}/ivrfallback"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}


def payload(**overrides) -> dict:
    """The claims of a good read+write token for example.com, with overrides (None drops)."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "attacker", "iat": now, "nbf": now,
              "exp": now + 600, "domains": [DOMAIN], "scope": f"{READ} {WRITE}"}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def segments(header: dict, claims: dict) -> bytes:
    return b".".join(base64url_encode(json.dumps(part).encode()) for part in (header, claims))


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    """A compact JWS with exactly this header and these claims, and any signature."""
    return (segments(header, claims) + b"." + base64url_encode(signature)).decode()


def hs256_with(key: bytes, header: dict, claims: dict) -> str:
    """Sign with HMAC-SHA256 using `key` as the secret, as an attacker holding it would."""
    signing_input = segments(header, claims)
    return forge(header, claims, HMACAlgorithm(HMACAlgorithm.SHA256).sign(signing_input, key))


@pytest.fixture(scope="module")
def attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_file(tmp_path, rsa_key, ec_key):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_of(rsa_key, "rsa-1", "RS256"),
                                         jwk_of(ec_key, "ec-1", "ES256")]}))
    return path


@pytest.fixture
def jwks_client(settings_overrides, jwks_file):
    """The app configured with RS256/ES256 public keys from a JWKS file."""
    app = create_app({**settings_overrides, "jwt_secret": None, "jwks_file": str(jwks_file)})
    with app.test_client() as client:
        yield client


@pytest.fixture(scope="module")
def attacker_server():
    site = JwksServer()
    yield site
    stop(site)


@pytest.fixture
def attacker_site(attacker_server):
    """A key set on a URL the attacker controls; it must never be fetched."""
    attacker_server.keys, attacker_server.fetches = [], 0
    return attacker_server


def stop(site: JwksServer) -> None:
    site.server.shutdown()
    site.server.server_close()


# --- alg: none ------------------------------------------------------------------------------

NONE_HEADERS = [{"alg": "none"}, {"alg": "None"}, {"alg": "NONE"}, {"alg": "nOnE"},
                {"alg": "none", "typ": "JWT"}, {"alg": ""}, {"typ": "JWT"}]


@pytest.mark.parametrize("header", NONE_HEADERS, ids=lambda header: repr(header.get("alg")))
@pytest.mark.parametrize("signature", [b"", b"forged"], ids=["unsigned", "garbage signature"])
def test_unsigned_tokens_are_401_with_the_shared_secret(client, header, signature):
    token = forge(header, payload(domains=["*"], scope=f"{READ} {WRITE} {PLATFORM}"), signature)
    assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


@pytest.mark.parametrize("header", NONE_HEADERS, ids=lambda header: repr(header.get("alg")))
def test_unsigned_tokens_are_401_with_jwks_keys(jwks_client, header):
    token = forge({**header, "kid": "rsa-1"}, payload())
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")


# --- algorithm confusion: the public key used as an HMAC secret -----------------------------


def public_key_forms(key) -> dict[str, bytes]:
    public = key.public_key()
    return {
        "PEM": public.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo),
        "PKCS1 PEM": public.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.PKCS1),
        "DER": public.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo),
        "JWK": json.dumps(jwk_of(key, "rsa-1", "RS256")).encode(),
    }


@pytest.mark.parametrize("form", ["PEM", "PKCS1 PEM", "DER", "JWK"])
@pytest.mark.parametrize("kid", ["rsa-1", None])
def test_hs256_signed_with_the_rs256_public_key_is_401(jwks_client, rsa_key, form, kid):
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    token = hs256_with(public_key_forms(rsa_key)[form], header, payload(domains=["*"]))
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")


def test_hs256_signed_with_the_es256_public_key_is_401(jwks_client, ec_key):
    pem = ec_key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    token = hs256_with(pem, {"alg": "HS256", "kid": "ec-1"}, payload())
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_with_the_right_secret_are_401(client, algorithm):
    # The contract names HS256 for the shared secret; nothing else is accepted.
    token = make_token(algorithm=algorithm)
    assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


def test_an_rs256_token_is_401_with_the_shared_secret(client, attacker_key):
    token = make_token(key=attacker_key, algorithm="RS256")
    assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


# --- kid pointing elsewhere -----------------------------------------------------------------

ELSEWHERE = ["../../../../dev/null", "/etc/passwd", "file:///dev/null",
             "http://127.0.0.1:9/evil.json", "rsa-1' OR '1'='1", "rsa-1\x00", "RSA-1", "", "*"]


@pytest.mark.parametrize("kid", ELSEWHERE)
def test_a_kid_pointing_elsewhere_is_401(jwks_client, attacker_key, kid):
    token = make_token(key=attacker_key, algorithm="RS256", headers={"kid": kid})
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")


@pytest.mark.parametrize("kid", ["ec-1", 1, ["rsa-1"], {"kid": "rsa-1"}, None])
def test_a_real_signature_under_another_kid_is_401(jwks_client, rsa_key, kid):
    # Signed by the real RSA key, but the kid names the EC key, or is no kid at all:
    # the key is never guessed among the others.
    token = forge({"alg": "RS256", "kid": kid}, payload())
    signing_input = token.rsplit(".", 1)[0].encode()
    signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(
        signing_input, rsa_key)
    token = (signing_input + b"." + base64url_encode(signature)).decode()
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")


def test_a_real_signature_under_another_kid_is_401_with_a_jwks_url(settings_overrides, rsa_key,
                                                                     ec_key):
    site = JwksServer()
    site.keys = [jwk_of(rsa_key, "rsa-1", "RS256"), jwk_of(ec_key, "ec-1", "ES256")]
    app = create_app({**settings_overrides, "jwt_secret": None, "jwks_url": site.url})
    with app.test_client() as client:
        for kid, key, algorithm in (("ec-1", rsa_key, "RS256"), ("rsa-1", ec_key, "ES256")):
            token = make_token(key=key, algorithm=algorithm, headers={"kid": kid})
            assert_problem(client.get(LIST, headers=bearer(token)), 401, "")
    stop(site)


@pytest.mark.parametrize("kid", ELSEWHERE)
def test_a_kid_is_ignored_with_the_shared_secret(client, kid):
    forged = make_token(key="another-secret-that-is-long-enough-0123456789", headers={"kid": kid})
    assert_problem(client.get(LIST, headers=bearer(forged)), 401, "")
    # And a good token is not spoiled by one either: the secret is the only key.
    assert client.get(LIST, headers=bearer(make_token(headers={"kid": kid}))).status_code == 200


# --- key URLs and embedded keys in the header -----------------------------------------------


def attacker_headers(site, key) -> dict[str, dict]:
    return {
        "jku": {"jku": site.url, "kid": "evil"},
        "x5u": {"x5u": site.url, "kid": "evil"},
        "jku with a trusted kid": {"jku": site.url, "kid": "rsa-1"},
        "embedded jwk": {"jwk": jwk_of(key, "evil", "RS256"), "kid": "evil"},
        "embedded jwk, trusted kid": {"jwk": jwk_of(key, "rsa-1", "RS256"), "kid": "rsa-1"},
    }


KEY_HEADERS = ["jku", "x5u", "jku with a trusted kid", "embedded jwk", "embedded jwk, trusted kid"]


@pytest.mark.parametrize("name", KEY_HEADERS)
def test_key_headers_are_not_trusted_with_a_jwks_file(jwks_client, attacker_site, attacker_key,
                                                      name):
    attacker_site.keys = [jwk_of(attacker_key, "evil", "RS256")]
    header = attacker_headers(attacker_site, attacker_key)[name]
    token = make_token(key=attacker_key, algorithm="RS256", headers=header, domains=["*"])
    assert_problem(jwks_client.get(LIST, headers=bearer(token)), 401, "")
    assert attacker_site.fetches == 0


@pytest.mark.parametrize("name", KEY_HEADERS)
def test_key_headers_are_not_trusted_with_a_jwks_url(settings_overrides, rsa_key, attacker_site,
                                                     attacker_key, name):
    trusted_site = JwksServer()
    trusted_site.keys = [jwk_of(rsa_key, "rsa-1", "RS256")]
    attacker_site.keys = [jwk_of(attacker_key, "evil", "RS256")]
    app = create_app({**settings_overrides, "jwt_secret": None, "jwks_url": trusted_site.url})
    header = attacker_headers(attacker_site, attacker_key)[name]
    token = make_token(key=attacker_key, algorithm="RS256", headers=header, domains=["*"])
    with app.test_client() as client:
        assert_problem(client.get(LIST, headers=bearer(token)), 401, "")
        good = make_token(key=rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
        assert client.get(LIST, headers=bearer(good)).status_code == 200
    stop(trusted_site)
    assert attacker_site.fetches == 0


@pytest.mark.parametrize("name", KEY_HEADERS)
def test_key_headers_are_not_trusted_with_the_shared_secret(client, attacker_site, attacker_key,
                                                            name):
    attacker_site.keys = [jwk_of(attacker_key, "evil", "RS256")]
    header = attacker_headers(attacker_site, attacker_key)[name]
    for token in (make_token(key=attacker_key, algorithm="RS256", headers=header),
                  make_token(key="another-secret-that-is-long-enough-0123456789",
                             headers={k: v for k, v in header.items() if k != "jwk"})):
        assert_problem(client.get(LIST, headers=bearer(token)), 401, "")
    assert attacker_site.fetches == 0


# --- tampering ------------------------------------------------------------------------------


def test_a_token_with_its_signature_stripped_is_401(client):
    header_and_claims = make_token().rsplit(".", 1)[0]
    for token in (header_and_claims + ".", header_and_claims):
        assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


def test_a_token_whose_claims_were_changed_is_401(client):
    header, _claims, signature = make_token().split(".")
    wider = base64url_encode(json.dumps(payload(domains=["*"])).encode()).decode()
    assert_problem(client.get(LIST, headers=bearer(f"{header}.{wider}.{signature}")), 401, "")


# --- issuer and audience --------------------------------------------------------------------


@pytest.mark.parametrize("claims", [
    {"iss": "Cache-API"}, {"iss": "cache-api "}, {"iss": ""}, {"iss": ["cache-api"]},
    {"iss": "https://evil.example/cache-api"},
    {"aud": "Cache-API"}, {"aud": "cache-api/"}, {"aud": []}, {"aud": ["another-api"]},
    {"aud": 1}, {"aud": ""},
], ids=repr)
def test_tokens_for_another_issuer_or_audience_are_401(client, claims):
    token = jwt.api_jws.encode(json.dumps(payload(**claims)).encode(), SECRET, algorithm="HS256")
    assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


def test_an_audience_list_that_holds_ours_is_valid(client):
    # RFC 7519: `aud` may be an array; the token is for us if ours is in it.
    token = make_token(aud=["another-api", AUDIENCE])
    assert client.get(LIST, headers=bearer(token)).status_code == 200


# --- time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("claims, detail", [
    ({"exp": -40}, "expired"),
    ({"exp": -3600, "nbf": -7200, "iat": -7200}, "expired"),
    ({"nbf": 40}, "not valid yet"),
    ({"iat": 3600}, "not valid yet"),
    ({"nbf": 3600, "iat": 3600, "exp": 7200}, "not valid yet"),
], ids=repr)
def test_tokens_beyond_the_30_second_leeway_are_401(client, claims, detail):
    now = int(time.time())
    token = make_token(**{name: now + offset for name, offset in claims.items()})
    assert_problem(client.get(LIST, headers=bearer(token)), 401, detail)


@pytest.mark.parametrize("claims", [{"exp": -20}, {"nbf": 20}], ids=repr)
def test_tokens_within_the_leeway_are_valid(client, claims):
    now = int(time.time())
    token = make_token(**{name: now + offset for name, offset in claims.items()})
    assert client.get(LIST, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("claims", [{"exp": "never"}, {"exp": None}, {"nbf": "now"},
                                    {"iat": "now"}, {"exp": [1]}], ids=repr)
def test_malformed_time_claims_are_401(client, claims):
    token = jwt.api_jws.encode(json.dumps(payload(**claims)).encode(), SECRET, algorithm="HS256")
    assert_problem(client.get(LIST, headers=bearer(token)), 401, "")


# RFC 7519 makes `exp`, `nbf` and `iat` NumericDates: JSON numbers. PyJWT takes whatever
# int() takes, so each of these (a good time, spelled otherwise) was accepted.
ARABIC_DIGITS = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
ACCEPTED_BY_PYJWT = {
    "numeric string": str,
    "padded string": lambda time_: f" {time_}\n",
    "underscored string": lambda time_: f"{time_:_}",
    "arabic-indic digits": lambda time_: str(time_).translate(ARABIC_DIGITS),
    "true": lambda _time: True,
    "false": lambda _time: False,
}
REFUSED_BY_PYJWT = {
    "NaN": lambda _time: float("nan"),
    "Infinity": lambda _time: float("inf"),
    "-Infinity": lambda _time: float("-inf"),
    "array": lambda time_: [time_],
    "object": lambda time_: {"time": time_},
    "null": lambda _time: None,
    "fraction string": lambda time_: f"{time_}.5",
}
# The good value of each claim: an hour ahead for `exp`, a minute ago for the others.
GOOD_TIME = {"exp": 3600, "nbf": -60, "iat": -60}


@pytest.fixture
def entries(client, stored):
    """One entry in each cache (for the DELETEs to find), and a check that none changed."""
    writer = bearer(make_token(scopes=(READ, WRITE, PLATFORM)))
    assert client.post(f"/cache/{DOMAIN}/ivrfallback/1", json={**HANGUP, "mode": "onError"},
                       headers=writer).status_code == 200
    assert client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={},
                       headers=writer).status_code == 200
    before = stored()
    yield
    assert stored() == before


def with_time_claim(name: str, value) -> str:
    """A well-signed token for every operation whose claim `name` is `value` exactly
    (json.dumps writes NaN and Infinity as the bare words PyJWT's parser reads)."""
    claims = payload(scope=f"{READ} {WRITE} {PLATFORM}")
    claims[name] = value
    return jwt.api_jws.encode(json.dumps(claims).encode(), SECRET, algorithm="HS256")


def assert_refused_everywhere(client, token: str, *mentions: str) -> None:
    for method, path, body in [*OPERATIONS, ("delete", f"/cache/{DOMAIN}/ivrfallback/1", None)]:
        response = client.request(method, path, json=body, headers=bearer(token))
        assert_problem(response, 401, *mentions)


@pytest.mark.parametrize("spelling", ACCEPTED_BY_PYJWT, ids=str)
@pytest.mark.parametrize("name", GOOD_TIME)
def test_a_time_claim_that_pyjwt_reads_as_a_number_is_401(client, entries, name, spelling):
    value = ACCEPTED_BY_PYJWT[spelling](int(time.time()) + GOOD_TIME[name])
    # `exp: false` is 1970 to PyJWT, so expired before it is malformed: 401 either way.
    mention = "expired" if (name, spelling) in {("exp", "true"), ("exp", "false")} else (
        f"'{name}' claim is not a number")
    assert_refused_everywhere(client, with_time_claim(name, value), mention)


@pytest.mark.parametrize("spelling", REFUSED_BY_PYJWT, ids=str)
@pytest.mark.parametrize("name", GOOD_TIME)
def test_a_time_claim_that_is_no_number_at_all_is_401(client, entries, name, spelling):
    value = REFUSED_BY_PYJWT[spelling](int(time.time()) + GOOD_TIME[name])
    mention = "lacks the 'exp' claim" if (name, spelling) == ("exp", "null") else ""
    assert_refused_everywhere(client, with_time_claim(name, value), mention)


@pytest.mark.parametrize("name", GOOD_TIME)
def test_a_time_claim_with_a_fraction_is_valid(client, name):
    # NumericDates may be non-integer (RFC 7519, 2): a JSON number is a JSON number.
    token = with_time_claim(name, int(time.time()) + GOOD_TIME[name] + 0.5)
    assert client.get(LIST, headers=bearer(token)).status_code == 200


# --- domains --------------------------------------------------------------------------------

OPERATIONS = [
    ("get", f"/cache/{DOMAIN}/ivrfallback", None),
    ("post", f"/cache/{DOMAIN}/ivrfallback/1", HANGUP),
    ("delete", f"/cache/{DOMAIN}/siprecfallback/1", None),
    ("post", f"/platform/{DOMAIN}/siprecfallback/1", {}),
]


@pytest.mark.parametrize("claim", ["EXAMPLE.COM", "Example.Com", "eXaMpLe.CoM"])
@pytest.mark.parametrize("method, path, body", OPERATIONS)
def test_a_domain_claim_in_another_case_is_granted(client, claim, method, path, body):
    token = make_token(domains=[claim], scopes=(READ, WRITE, PLATFORM))
    response = client.request(method, path.replace(DOMAIN, "Example.COM"), json=body,
                              headers=bearer(token))
    assert response.status_code == 200, response.text


def assert_every_operation_refused_the_domain(client, stored, token, path_domain) -> None:
    before = stored()
    for method, path, body in OPERATIONS:
        response = client.request(method, path.replace(DOMAIN, path_domain), json=body,
                                  headers=bearer(token))
        assert_problem(response, 403, "domain")
    assert stored() == before


@pytest.mark.parametrize("claim, path_domain", [
    ("\u212a.example", "k.example"),  # KELVIN SIGN, which str.lower() makes a 'k'
    ("\u0130.example", "i.example"),  # LATIN CAPITAL I WITH DOT ABOVE
    ("\uff45xample.com", DOMAIN),  # a fullwidth 'e'
    ("exampIe.com", DOMAIN),  # a capital i for the l
], ids=["kelvin sign", "dotted I", "fullwidth e", "I for l"])
def test_look_alike_domain_claims_grant_nothing(client, stored, claim, path_domain):
    token = make_token(domains=[claim], scopes=(READ, WRITE, PLATFORM))
    assert_every_operation_refused_the_domain(client, stored, token, path_domain)


def test_a_look_alike_domain_in_the_path_is_400_not_a_grant_question(client):
    token = make_token(domains=["other.example"])
    response = client.get("/cache/%E2%84%AA.example/ivrfallback", headers=bearer(token))
    assert_problem(response, 400, "domain")


@pytest.mark.parametrize("claim, path_domain", [
    (["*.example.com"], "sub.example.com"),
    (["*.example.com"], DOMAIN),
    (["example.*"], DOMAIN),
    (["*example.com"], DOMAIN),
    (["*.com"], DOMAIN),
    ([" *"], DOMAIN),
    (["* "], DOMAIN),
    (["**"], DOMAIN),
    (["*.*"], DOMAIN),
    (["\uff0a"], DOMAIN),  # a fullwidth asterisk
    (["%2A"], DOMAIN),
    ("*", DOMAIN),  # a string, not a list
    ({"*": True}, DOMAIN),
    ([["*"]], DOMAIN),
], ids=repr)
def test_wildcards_other_than_a_lone_star_grant_nothing(client, stored, claim, path_domain):
    token = jwt.encode(payload(domains=claim, scope=f"{READ} {WRITE} {PLATFORM}"), SECRET)
    assert_every_operation_refused_the_domain(client, stored, token, path_domain)


# --- scopes ---------------------------------------------------------------------------------

SCOPE_TRICKS = {
    "comma separated": {"scope": "cache/read,cache/write"},
    "tab separated": {"scope": "cache/read\tcache/write"},
    "newline separated": {"scope": "cache/read\ncache/write"},
    "leading space": {"scope": " cache/read"},
    "trailing space": {"scope": "cache/read "},
    "two spaces": {"scope": "cache/write  cache/read"},
    "no-break space": {"scope": "cache/read\u00a0"},
    "zero-width space": {"scope": "\u200bcache/read"},
    "wildcard": {"scope": "cache/*"},
    "bare wildcard": {"scope": "*"},
    "prefix of another": {"scope": "cache/readx"},
    "parent": {"scope": "cache"},
    "title case": {"scope": "Cache/Read"},
    "upper case resource": {"scope": "cache/READ"},
    "scp with a space": {"scope": None, "scp": ["cache/read "]},
    "scp with both in one item": {"scope": None, "scp": ["cache/write cache/read"]},
    "scp wildcard": {"scope": None, "scp": ["cache/*"]},
    "scope as an object": {"scope": {"cache/read": True}},
}


@pytest.mark.parametrize("claims", SCOPE_TRICKS.values(), ids=SCOPE_TRICKS)
def test_scope_tricks_grant_no_reading(client, claims):
    token = make_token(**claims)
    assert_problem(client.get(LIST, headers=bearer(token)), 403, READ)


@pytest.mark.parametrize("scope", [" cache/write", "cache/write ", "cache/write,cache/read",
                                   "cache/*", "Cache/Write"])
def test_scope_tricks_grant_no_writing(client, stored, scope):
    before = stored()
    response = client.post(f"{LIST}/1", json=HANGUP, headers=bearer(make_token(scope=scope)))
    assert_problem(response, 403, WRITE)
    assert stored() == before


@pytest.mark.parametrize("scope", [" cache/platform", "cache/platform ", "cache/*",
                                   "cache/platforms", "cache/read cache/write"])
def test_scope_tricks_grant_no_platform_writes(client, stored, scope):
    before = stored()
    response = client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={},
                           headers=bearer(make_token(scope=scope)))
    assert_problem(response, 403, PLATFORM)
    assert stored() == before


def test_a_well_formed_scope_is_granted(client):
    # The refusals above are about form: the same scopes, space-separated, are granted.
    token = make_token(scope="cache/write cache/read")
    assert client.get(LIST, headers=bearer(token)).status_code == 200
