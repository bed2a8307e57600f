"""Limits on tokens (app/contract/security.py): their size, checked before verifying,
the verified-token memory's size in bytes, and their lifetime."""

import asyncio
import json
import time

import jwt
import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from app.config import ConfigurationError, Settings
from app.contract import security
from tests.helpers import DOMAIN, PLATFORM, READ, SECRET, WRITE, assert_problem, bearer, make_token

ALL_SCOPES = (READ, WRITE, PLATFORM)
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
OPERATIONS = [
    ("get", f"/cache/{DOMAIN}/ivrfallback", None),
    ("post", f"/cache/{DOMAIN}/ivrfallback/1", HANGUP),
    ("get", f"/manage/{DOMAIN}/expiring?within=7", None),
    ("post", f"/platform/{DOMAIN}/siprecfallback/1", {}),
    ("get", f"/platform/{DOMAIN}/ivrfallback/1/decision?outcome=timeout", None),
]


@pytest.fixture
def decodes(monkeypatch):
    """How many times PyJWT looked at a token's signature or claims."""
    calls = []
    real_decode = jwt.decode

    def counting_decode(*args, **kwargs):
        calls.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(security.jwt, "decode", counting_decode)
    return calls


def padding_for(length: int, **claims) -> str:
    """The `pad` claim that makes a token of at most `length` characters, and more than
    `length - 4` (base64 grows in steps of 4)."""
    bare = len(make_token(scopes=ALL_SCOPES, pad="", **claims))
    padding = max(0, (length - bare) * 3 // 4)
    while len(make_token(scopes=ALL_SCOPES, pad="x" * padding, **claims)) > length:
        padding -= 1
    while len(make_token(scopes=ALL_SCOPES, pad="x" * (padding + 1), **claims)) <= length:
        padding += 1
    return "x" * padding


def token_of_length(length: int, **claims) -> str:
    """A validly signed token of `length` characters, or up to 3 fewer."""
    return make_token(scopes=ALL_SCOPES, pad=padding_for(length, **claims), **claims)


class FromNow(int):
    """Seconds from the moment the test runs (`at_now`), not from its collection."""

    def __add__(self, seconds):
        return FromNow(int(self) + seconds)

    def __sub__(self, seconds):
        return FromNow(int(self) - seconds)


FROM_NOW = FromNow(0)


def at_now(claims: dict) -> dict:
    """`claims` with `iat` now unless given, and each FromNow made a time."""
    now = int(time.time())
    claims = {"iat": FROM_NOW, **claims}
    return {name: now + value if isinstance(value, FromNow) else value
            for name, value in claims.items()}


def verify(verifier, token: str) -> dict:
    return asyncio.run(verifier.claims(token))


class TestSize:
    def test_the_largest_token_allowed_is_verified(self, client):
        token = token_of_length(security.TOKEN_MAX_BYTES)
        assert len(token) > security.TOKEN_MAX_BYTES - 4
        assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token)).status_code == 200

    @pytest.mark.parametrize("method, path, body", OPERATIONS)
    @pytest.mark.parametrize("size", [security.TOKEN_MAX_BYTES + 4, 5 * 1024 * 1024],
                             ids=["just over", "5 MB"])
    def test_a_larger_token_is_refused_before_it_is_verified(self, client, stored, decodes,
                                                             method, path, body, size):
        token = make_token(scopes=ALL_SCOPES, pad="x" * size)
        before = stored()
        response = client.request(method, path, json=body, headers=bearer(token))
        assert_problem(response, 401, f"{security.TOKEN_MAX_BYTES} bytes")
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert decodes == []
        assert stored() == before

    def test_a_large_token_is_refused_with_a_key_set_file_too(self, tmp_path, settings_overrides,
                                                              rsa_key, decodes):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps({"keys": [{**jwk, "kid": "k", "alg": "RS256"}]}))
        app = create_app({**settings_overrides, "jwt_secret": None, "jwks_file": str(path)})
        token = make_token(key=rsa_key, algorithm="RS256", headers={"kid": "k"},
                           pad="x" * 9000)
        with app.test_client() as client:
            response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
        assert_problem(response, 401, f"{security.TOKEN_MAX_BYTES} bytes")
        assert decodes == []


class TestMemory:
    def test_the_memory_is_bounded_in_bytes(self, settings_overrides, monkeypatch):
        monkeypatch.setattr(security, "VERIFIED_TOKENS_MAX_BYTES", 10_000)
        verifier = security.TokenVerifier(Settings.from_env(settings_overrides))
        tokens = [token_of_length(3000, sub=f"user-{index}") for index in range(5)]
        for token in tokens:
            verify(verifier, token)
        assert list(verifier._verified) == tokens[2:]
        assert verifier._verified_bytes == sum(map(len, tokens[2:]))

    def test_the_largest_tokens_fill_no_more_than_the_bound(self, settings_overrides):
        verifier = security.TokenVerifier(Settings.from_env(settings_overrides))
        count = security.VERIFIED_TOKENS_MAX_BYTES // security.TOKEN_MAX_BYTES + 50
        assert count < security.VERIFIED_TOKENS_MAX
        pad = padding_for(security.TOKEN_MAX_BYTES - 16, sub="user-0")
        for index in range(count):
            verify(verifier, make_token(scopes=ALL_SCOPES, sub=f"user-{index}", pad=pad))
        remembered = sum(map(len, verifier._verified))
        assert remembered <= security.VERIFIED_TOKENS_MAX_BYTES
        assert remembered == verifier._verified_bytes
        assert len(verifier._verified) < count

    def test_a_token_forgotten_on_expiry_gives_its_bytes_back(self, settings_overrides,
                                                              monkeypatch):
        monkeypatch.setattr(security, "VERIFIED_TOKEN_SECONDS", 0)
        verifier = security.TokenVerifier(Settings.from_env(settings_overrides))
        token = make_token()
        for _ in range(3):
            verify(verifier, token)
        assert verifier._verified_bytes == len(token)


@pytest.fixture(scope="module")
def short_lived_app(tmp_path_factory, database_url):
    """The app with tokens limited to an hour, built once (building one takes seconds)."""
    return create_app({
        "instance_path": tmp_path_factory.mktemp("instance"),
        "database_url": database_url,
        "jwt_secret": SECRET,
        "validate_responses": True,
        "jwt_max_lifetime": 3600,
    })


class TestLifetime:
    @pytest.fixture
    def client_with_max(self, short_lived_app):
        with short_lived_app.test_client() as client:
            yield client

    def test_the_default_is_a_day(self, settings_overrides, client):
        assert Settings.from_env(settings_overrides).jwt_max_lifetime == 86_400
        response = client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(make_token(exp=1e308)))
        assert_problem(response, 401, "86400 seconds")

    @pytest.mark.parametrize("claims", [
        {"exp": 1e308},
        {"exp": 1e308, "iat": None, "nbf": None},
        {"exp": 2**62},
        {"exp": FROM_NOW + 3601},
        {"exp": FROM_NOW + 60, "iat": FROM_NOW - 3600},
        {"exp": FROM_NOW + 3700, "iat": None},
    ], ids=["1e308", "1e308 without iat", "2**62", "an hour and a second",
            "issued long ago", "no iat, too far"])
    def test_a_token_that_lives_too_long_is_refused(self, client_with_max, claims):
        token = make_token(**at_now(claims))
        response = client_with_max.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
        assert_problem(response, 401, "3600 seconds")

    @pytest.mark.parametrize("claims", [{"exp": 1e308}, {"exp": 1e308, "iat": None}],
                             ids=["with iat", "without iat"])
    @pytest.mark.parametrize("method, path, body", OPERATIONS)
    def test_exp_1e308_is_refused_everywhere(self, client_with_max, stored, method, path, body,
                                             claims):
        now = int(time.time())
        claims = {"iat": now, **claims}
        before = stored()
        token = make_token(scopes=ALL_SCOPES, **claims)
        response = client_with_max.request(method, path, json=body, headers=bearer(token))
        assert_problem(response, 401, "3600 seconds")
        assert stored() == before

    @pytest.mark.parametrize("claims", [
        {"exp": FROM_NOW + 3600},
        {"exp": FROM_NOW + 3000, "iat": None},
    ], ids=["exactly the maximum", "no iat, within"])
    def test_a_token_within_the_maximum_is_accepted(self, client_with_max, claims):
        token = make_token(**at_now(claims))
        response = client_with_max.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
        assert response.status_code == 200, response.text

    def test_the_environment_sets_it(self, settings_overrides, monkeypatch):
        monkeypatch.setenv("CACHE_JWT_MAX_LIFETIME_SECONDS", "900")
        assert Settings.from_env(settings_overrides).jwt_max_lifetime == 900

    @pytest.mark.parametrize("value", ["0", "-5", "1e308", "day", "inf", "nan"])
    def test_a_setting_that_cannot_work_is_refused(self, settings_overrides, monkeypatch,
                                                   value):
        monkeypatch.setenv("CACHE_JWT_MAX_LIFETIME_SECONDS", value)
        with pytest.raises(ConfigurationError, match="CACHE_JWT_MAX_LIFETIME_SECONDS"):
            Settings.from_env(settings_overrides)

    def test_the_command_line_mints_no_token_the_service_refuses(self, tmp_path, monkeypatch):
        monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path / "instance"))
        monkeypatch.setenv("CACHE_JWT_MAX_LIFETIME_SECONDS", "600")
        result = CliRunner().invoke(main, ["token", "--domain", DOMAIN, "--ttl", "601"])
        assert result.exit_code != 0
        assert "CACHE_JWT_MAX_LIFETIME_SECONDS" in result.output
        result = CliRunner().invoke(main, ["token", "--domain", DOMAIN, "--ttl", "600"])
        assert result.exit_code == 0, result.output
