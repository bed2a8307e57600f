"""Verified tokens are remembered (app/contract/security.py): never longer, nor for more tokens, than
the checks allow. Through the real app; PyJWT's decode is counted where it matters."""

import asyncio
import time

import jwt
import pytest

from app import create_app
from app.contract import security
from app.config import Settings
from tests.helpers import DOMAIN, READ, assert_problem, bearer, make_token

PATH = f"/cache/{DOMAIN}/ivrfallback"


@pytest.fixture
def decodes(monkeypatch):
    """How many times PyJWT verified a token."""
    calls = []
    real_decode = jwt.decode

    def counting_decode(*args, **kwargs):
        calls.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(security.jwt, "decode", counting_decode)
    return calls


@pytest.fixture
def fresh_client(settings_overrides):
    """An app of its own, so that no other test's tokens are remembered in it."""
    with create_app(settings_overrides).test_client() as client:
        yield client


def test_a_token_is_verified_once_while_it_is_remembered(fresh_client, decodes):
    token = make_token()
    for _ in range(5):
        assert fresh_client.get(PATH, headers=bearer(token)).status_code == 200
    assert decodes == [token]


def test_a_remembered_token_still_expires(settings_overrides, decodes):
    app = create_app({**settings_overrides, "jwt_leeway": 0})
    # At least a second of validity left for the first request (`exp` is whole seconds).
    token = make_token(exp=int(time.time()) + 2)
    with app.test_client() as client:
        assert client.get(PATH, headers=bearer(token)).status_code == 200
        time.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"]
                       - time.time()) + 0.05)
        assert_problem(client.get(PATH, headers=bearer(token)), 401, "expired")


def test_a_token_is_verified_again_after_the_reuse_limit(fresh_client, decodes, monkeypatch):
    monkeypatch.setattr(security, "VERIFIED_TOKEN_SECONDS", 0)
    token = make_token()
    for _ in range(3):
        assert fresh_client.get(PATH, headers=bearer(token)).status_code == 200
    assert decodes == [token] * 3


@pytest.mark.parametrize("kind", ["bad signature", "expired", "other audience", "no scope"])
def test_a_refused_token_is_not_remembered(fresh_client, decodes, kind):
    token = {
        "bad signature": make_token(key="another-secret-of-at-least-thirty-two-bytes"),
        "expired": make_token(exp=int(time.time()) - 3600),
        "other audience": make_token(aud="someone-else"),
        "no scope": make_token(scopes=()),
    }[kind]
    for _ in range(2):
        assert fresh_client.get(PATH, headers=bearer(token)).status_code in (401, 403)
    # A token refused for its claims is verified each time; one refused for its
    # rights (403) passed verification and may be remembered, but grants nothing.
    assert len(decodes) == (1 if kind == "no scope" else 2)


def test_the_memory_is_bounded_and_forgets_the_oldest(settings_overrides, monkeypatch):
    monkeypatch.setattr(security, "VERIFIED_TOKENS_MAX", 3)
    verifier = security.TokenVerifier(Settings.from_env(settings_overrides))
    tokens = [make_token(sub=f"user-{index}") for index in range(5)]
    for token in tokens:
        asyncio.run(verifier.claims(token))
    assert list(verifier._verified) == tokens[2:]


def test_a_caller_changing_the_claims_does_not_change_the_next_answer(settings_overrides):
    verifier = security.TokenVerifier(Settings.from_env(settings_overrides))
    token = make_token(domains=[DOMAIN])
    asyncio.run(verifier.claims(token))["domains"] = ["*"]
    asyncio.run(verifier.claims(token)).clear()
    assert asyncio.run(verifier.claims(token))["domains"] == [DOMAIN]
    assert asyncio.run(verifier.claims(token))["scope"] == " ".join([READ, "cache/write"])
