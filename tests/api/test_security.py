"""Tokens: 401 for who the caller is, 403 for what it may do, domains never leak."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from tests.helpers import DOMAIN, PLATFORM, READ, SECRET, WRITE, assert_problem, bearer, make_token
from tests.jwks_server import JwksServer, jwk_of

HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
OPERATIONS = [
    ("get", f"/cache/{DOMAIN}/ivrfallback", None),
    ("get", f"/cache/{DOMAIN}/ivrfallback/1", None),
    ("post", f"/cache/{DOMAIN}/ivrfallback/1", HANGUP),
    ("delete", f"/cache/{DOMAIN}/ivrfallback/1", None),
    ("get", f"/cache/{DOMAIN}/siprecfallback/1", None),
    ("delete", f"/cache/{DOMAIN}/siprecfallback/1", None),
    ("post", f"/platform/{DOMAIN}/siprecfallback/1", {}),
    ("get", f"/platform/{DOMAIN}/siprecfallback/1", None),
    ("post", f"/platform/{DOMAIN}/siprecfallback", {"numbers": ["1"]}),
    ("get", f"/platform/{DOMAIN}/ivrfallback/1/decision?outcome=timeout", None),
]


def call(client, method, path, body, headers):
    if body is None:
        return client.request(method, path, headers=headers)
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("method, path, body", OPERATIONS)
def test_every_operation_needs_a_token(client, stored, method, path, body):
    before = stored()
    response = call(client, method, path, body, {})
    assert_problem(response, 401, "")
    assert stored() == before


now = int(time.time())
UNAUTHORIZED_TOKENS = {
    "not a jwt": "Bearer not-a-jwt",
    "basic scheme": "Basic dXNlcjpwYXNz",
    "empty bearer": "Bearer ",
    "wrong secret": "Bearer " + make_token(key="another-secret-that-is-long-enough-0123456789"),
    "expired": "Bearer " + make_token(exp=now - 120),
    # A day ahead: `now` is taken at import, and a whole run can take longer than minutes.
    "not yet valid": "Bearer " + make_token(nbf=now + 86_400),
    "other issuer": "Bearer " + make_token(iss="someone-else"),
    "other audience": "Bearer " + make_token(aud="another-api"),
    "no exp": "Bearer " + make_token(exp=None),
    "no issuer": "Bearer " + make_token(iss=None),
    "no audience": "Bearer " + make_token(aud=None),
    "alg none": "Bearer " + jwt.encode(
        {"iss": "cache-api", "aud": "cache-api", "exp": now + 600, "domains": [DOMAIN],
         "scope": "cache/read"}, None, algorithm="none"),
}


@pytest.mark.parametrize("authorization", UNAUTHORIZED_TOKENS.values(), ids=UNAUTHORIZED_TOKENS)
def test_invalid_tokens_are_401(client, authorization):
    response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers={"Authorization": authorization})
    assert_problem(response, 401, "")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("claims, detail", [
    ({"exp": now - 120}, "expired"),
    ({"nbf": now + 86_400}, "not valid yet"),
    ({"iss": "x"}, "issuer"),
    ({"aud": "x"}, "audience"),
    ({"exp": None}, "'exp'"),
])
def test_401_says_what_is_wrong(client, claims, detail):
    response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(make_token(**claims)))
    assert_problem(response, 401, detail)


def test_clock_skew_within_leeway_is_tolerated(client):
    token = make_token(nbf=int(time.time()) + 10)
    assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("method, path, body", OPERATIONS)
def test_token_for_another_domain_is_403_and_changes_nothing(client, stored, method, path, body):
    token = make_token(domains=["other.example"], scopes=(READ, WRITE, PLATFORM))
    before = stored()
    assert_problem(call(client, method, path, body, bearer(token)), 403, "domain")
    assert stored() == before


@pytest.mark.parametrize("domains", [[], None, "example.com", [["example.com"]], ["*.com"],
                                     ["example.com.evil"], ["sub.example.com"]])
def test_domains_claim_must_name_the_domain(client, domains):
    token = make_token(domains=domains)
    response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
    assert_problem(response, 403, "domain")


def test_wildcard_domain_grants_every_domain(client):
    token = make_token(domains=["*"])
    assert client.get("/cache/any.example/ivrfallback", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("method, path, body, needed", [
    ("get", f"/cache/{DOMAIN}/ivrfallback", None, READ),
    ("get", f"/cache/{DOMAIN}/ivrfallback/1", None, READ),
    ("get", f"/cache/{DOMAIN}/siprecfallback/1", None, READ),
    ("post", f"/cache/{DOMAIN}/ivrfallback/1", HANGUP, WRITE),
    ("delete", f"/cache/{DOMAIN}/ivrfallback/1", None, WRITE),
    ("delete", f"/cache/{DOMAIN}/siprecfallback/1", None, WRITE),
    ("post", f"/platform/{DOMAIN}/siprecfallback/1", {}, PLATFORM),
    ("get", f"/platform/{DOMAIN}/siprecfallback/1", None, PLATFORM),
    ("post", f"/platform/{DOMAIN}/siprecfallback", {"numbers": ["1"]}, PLATFORM),
    ("get", f"/platform/{DOMAIN}/ivrfallback/1/decision?outcome=timeout", None, PLATFORM),
])
def test_each_operation_needs_its_scope(client, stored, method, path, body, needed):
    others = tuple(scope for scope in (READ, WRITE, PLATFORM) if scope != needed)
    before = stored()
    response = call(client, method, path, body, bearer(make_token(scopes=others)))
    assert_problem(response, 403, needed)
    assert stored() == before


@pytest.mark.parametrize("scope_claims", [
    {"scope": "cache/readcache/write"},
    {"scope": "CACHE/READ"},
    {"scope": "cache/read*"},
    {"scope": ["cache/read"], "scp": None},
    {"scope": None, "scp": "cache/write"},
])
def test_scope_must_be_granted_exactly(client, scope_claims):
    token = make_token(**scope_claims)
    response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
    assert_problem(response, 403, READ)


@pytest.mark.parametrize("claims", [{"scope": None, "scp": ["cache/read"]},
                                    {"scope": None, "scp": "cache/read"}])
def test_scp_claim_is_accepted(client, claims):
    token = make_token(**claims)
    assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token)).status_code == 200


def test_a_domain_is_not_revealed_by_the_shape_of_a_refusal(client, auth):
    """A body error on another domain is still a 403: the token is checked first."""
    other = make_token(domains=["other.example"])
    response = client.post(f"/cache/{DOMAIN}/ivrfallback/1", json={"bad": 1}, headers=bearer(other))
    assert_problem(response, 403, "domain")


def test_read_of_another_domain_entries_is_refused(client, auth):
    client.post(f"/cache/{DOMAIN}/ivrfallback/1", json=HANGUP, headers=auth)
    spy = bearer(make_token(domains=["other.example"]))
    assert client.get(f"/cache/{DOMAIN}/ivrfallback/1", headers=spy).status_code == 403
    assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=spy).status_code == 403
    # Its own domain holds nothing.
    assert client.get("/cache/other.example/ivrfallback", headers=spy).json()["data"] == []
    assert client.get("/cache/other.example/ivrfallback/1", headers=spy).status_code == 404


# --- asymmetric keys from a JWKS -----------------------------------------------------------


@pytest.fixture
def jwks_file_app(tmp_path, settings_overrides, rsa_key, ec_key):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_of(rsa_key, "rsa-1", "RS256"),
                                         jwk_of(ec_key, "ec-1", "ES256")]}))
    overrides = {**settings_overrides, "jwt_secret": None, "jwks_file": str(path)}
    return create_app(overrides)


@pytest.mark.parametrize("kid, algorithm", [("rsa-1", "RS256"), ("ec-1", "ES256")])
def test_jwks_file_keys_verify_tokens(jwks_file_app, rsa_key, ec_key, kid, algorithm):
    key = rsa_key if algorithm == "RS256" else ec_key
    token = make_token(key=key, algorithm=algorithm, headers={"kid": kid})
    with jwks_file_app.test_client() as client:
        assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token)).status_code == 200


def test_jwks_refuses_the_shared_secret_and_unknown_keys(jwks_file_app, rsa_key):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = [
        make_token(key=SECRET),
        make_token(key=stranger, algorithm="RS256", headers={"kid": "rsa-1"}),
        make_token(key=rsa_key, algorithm="RS256", headers={"kid": "unknown"}),
    ]
    with jwks_file_app.test_client() as client:
        for token in tokens:
            response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
            assert_problem(response, 401, "")


def test_jwks_url_is_cached_and_refreshed_on_unknown_kid(settings_overrides, rsa_key):
    jwks = JwksServer()
    jwks.keys = [jwk_of(rsa_key, "old", "RS256")]
    app = create_app({**settings_overrides, "jwt_secret": None, "jwks_url": jwks.url,
                      "jwks_refresh_cooldown": 0})
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = f"/cache/{DOMAIN}/ivrfallback"
    with app.test_client() as client:
        old_token = make_token(key=rsa_key, algorithm="RS256", headers={"kid": "old"})
        assert client.get(path, headers=bearer(old_token)).status_code == 200
        assert client.get(path, headers=bearer(old_token)).status_code == 200
        assert jwks.fetches == 1

        jwks.keys.append(jwk_of(rotated, "new", "RS256"))
        new_token = make_token(key=rotated, algorithm="RS256", headers={"kid": "new"})
        assert client.get(path, headers=bearer(new_token)).status_code == 200
        assert jwks.fetches == 2
    jwks.server.shutdown()


def test_a_key_withdrawn_from_the_jwks_url_stops_verifying(settings_overrides, rsa_key):
    jwks = JwksServer()
    jwks.keys = [jwk_of(rsa_key, "old", "RS256")]
    app = create_app({**settings_overrides, "jwt_secret": None, "jwks_url": jwks.url,
                      "jwks_refresh_cooldown": 0, "jwks_cache_seconds": 0.5})
    token = make_token(key=rsa_key, algorithm="RS256", headers={"kid": "old"})
    path = f"/cache/{DOMAIN}/ivrfallback"
    with app.test_client() as client:
        assert client.get(path, headers=bearer(token)).status_code == 200
        jwks.keys = []
        time.sleep(0.6)  # the key set's cache lifetime
        assert_problem(client.get(path, headers=bearer(token)), 401, "")
    jwks.server.shutdown()
