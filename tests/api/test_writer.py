"""The writer recorded in history and on entries is the token's `sub` (SECURITY.md):
a string of 1 to 255 characters, or absent. Through every operation that writes."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.storage.models import IvrFallback, IvrFallbackHistory, SiprecFallback
from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, assert_problem, bearer, make_token

HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
CACHE = f"/cache/{DOMAIN}"
MANAGE = f"/manage/{DOMAIN}"
PLATFORM_PATH = f"/platform/{DOMAIN}"
ALL_SCOPES = (READ, WRITE, PLATFORM)

# Every operation that records a writer, each after the setup it needs (run with a
# plain token): (name, method, path, body).
WRITES = [
    ("public set", "post", f"{CACHE}/ivrfallback/1", HANGUP),
    ("public delete", "delete", f"{CACHE}/ivrfallback/1", None),
    ("restore", "post", f"{MANAGE}/ivrfallback/1/restore", {"version": 1}),
    ("renew ivr", "post", f"{MANAGE}/ivrfallback/1/renew", {"expiration": "DAY"}),
    ("renew siprec", "post", f"{MANAGE}/siprecfallback/1/renew", {"expiration": "DAY"}),
    ("import", "post", f"{MANAGE}/ivrfallback/import",
     {"entries": [{"number": "1", **HANGUP, "expiration": "DAY"}]}),
    ("platform set", "post", f"{PLATFORM_PATH}/siprecfallback/1", {}),
    ("platform bulk", "post", f"{PLATFORM_PATH}/siprecfallback", {"numbers": ["1"]}),
]
# Claims that cannot name a writer (the issue's 503 came from `uid` as a list).
BAD_SUBJECTS = {
    "a list": ["alice"],
    "an object": {"name": "alice"},
    "a number": 42,
    "a boolean": True,
    "null": None,
    "empty": "",
    "too long": "a" * 256,
    "too long, two bytes each": "é" * 256,
    "a NUL": "ali\x00ce",
    "a newline": "alice\nbob",
    "a lone surrogate": "\ud800",
}


def token_with(**claims) -> dict:
    return bearer(make_token(scopes=ALL_SCOPES, **claims))


def prepare(client) -> None:
    """An IVR entry (version 1) and a SIPRec entry for number 1."""
    auth = token_with()
    assert client.post(f"{CACHE}/ivrfallback/1", json=HANGUP, headers=auth).status_code == 200
    assert client.post(f"{PLATFORM_PATH}/siprecfallback/1", json={},
                       headers=auth).status_code == 200


def writers(engine) -> set:
    """Every writer recorded in the history and on the entries."""
    with engine.connect() as connection:
        return {
            *connection.scalars(select(IvrFallbackHistory.by)),
            *connection.scalars(select(IvrFallback.updated_by)),
            *connection.scalars(select(SiprecFallback.updated_by)),
        }


def raw_token_with_subject(subject) -> str:
    """A signed token whose `sub` is `subject` as JSON says it (PyJWT's encoder would
    refuse a lone surrogate)."""
    import base64
    import hashlib
    import hmac
    import time

    from tests.helpers import AUDIENCE, ISSUER, SECRET

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "iat": now,
               "domains": [DOMAIN], "scope": " ".join(ALL_SCOPES), "sub": subject}
    signing_input = part(b'{"alg":"HS256","typ":"JWT"}') + b"." + part(json.dumps(payload).encode())
    signature = hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + part(signature)).decode()


@pytest.mark.parametrize("name, method, path, body", WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("uid", [["alice", "bob"], {"name": "alice"}, "mallory"],
                         ids=["list", "object", "string"])
def test_uid_is_not_the_writer(client, engine, name, method, path, body, uid):
    """Connexion would take `uid` when `sub` is absent; this service names one claim."""
    prepare(client)
    response = client.request(method, path, json=body, headers=token_with(sub=None, uid=uid))
    assert response.status_code == 200, response.text
    assert writers(engine) == {"tester", None}


@pytest.mark.parametrize("name, method, path, body", WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("subject", BAD_SUBJECTS.values(), ids=BAD_SUBJECTS.keys())
def test_a_sub_that_cannot_name_a_writer_is_a_401(client, stored, name, method, path, body,
                                                  subject):
    prepare(client)
    before = stored()
    response = client.request(method, path, json=body,
                              headers=bearer(raw_token_with_subject(subject)))
    assert_problem(response, 401, "'sub'")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert stored() == before


@pytest.mark.parametrize("path", [f"{CACHE}/ivrfallback/1", f"{CACHE}/ivrfallback",
                                  f"{PLATFORM_PATH}/ivrfallback/1/decision?outcome=timeout"])
def test_reads_judge_the_sub_alike(client, path):
    """One rule for the token, whatever the operation: a client learns of its broken
    token at its first call, not at its first write."""
    assert_problem(client.get(path, headers=bearer(raw_token_with_subject(["x"]))), 401, "'sub'")


@pytest.mark.parametrize("name, method, path, body", WRITES, ids=[w[0] for w in WRITES])
def test_the_longest_sub_is_recorded_whole(client, engine, name, method, path, body):
    """255 characters (the columns' length) of two bytes each: on PostgreSQL too."""
    prepare(client)
    subject = "é" * 255
    response = client.request(method, path, json=body, headers=token_with(sub=subject))
    assert response.status_code == 200, response.text
    assert subject in writers(engine)


def test_the_history_says_who_wrote(client):
    auth = token_with(sub="alice@example.com")
    client.post(f"{CACHE}/ivrfallback/1", json=HANGUP, headers=auth)
    client.post(f"{CACHE}/ivrfallback/1", json=HANGUP, headers=token_with(sub=None, uid="x"))
    history = client.get(f"{MANAGE}/ivrfallback/1/history", headers=auth).json()["data"]
    assert [item["by"] for item in history] == [None, "alice@example.com"]


class TestCommandLine:
    @pytest.fixture
    def env(self, database_url, tmp_path, monkeypatch):
        monkeypatch.setenv("CACHE_DATABASE_URL", database_url)
        monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path / "instance"))
        path = tmp_path / "export.json"
        path.write_text(json.dumps({"entries": [{"number": "1", **HANGUP, "expiration": "DAY"}]}))
        return path

    @pytest.mark.parametrize("subject", ["", "a" * 256, "a\x00b", "a\nb"],
                             ids=["empty", "too long", "NUL", "newline"])
    def test_import_refuses_a_sub_that_cannot_name_a_writer(self, env, engine, subject):
        result = CliRunner().invoke(main, ["import", "--domain", DOMAIN, "--sub", subject,
                                           str(env)])
        assert result.exit_code == 2, result.output
        assert "--sub" in result.output
        assert writers(engine) == set()

    def test_import_records_the_longest_sub(self, env, engine):
        subject = "é" * 255
        result = CliRunner().invoke(main, ["import", "--domain", DOMAIN, "--sub", subject,
                                           str(env)])
        assert result.exit_code == 0, result.output
        assert writers(engine) == {subject}

    @pytest.mark.parametrize("subject", ["", "a" * 256, "a\x00b"])
    def test_token_refuses_a_sub_the_service_would_refuse(self, env, subject):
        result = CliRunner().invoke(main, ["token", "--domain", DOMAIN, "--sub", subject])
        assert result.exit_code == 2, result.output
        assert "--sub" in result.output
