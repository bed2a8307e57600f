"""Keys from CACHE_JWT_JWKS_URL (app/contract/jwks.py): the key server's failures are
503s or 401s, never 500s, fetched at most once per cooldown, off the event loop and
within a deadline; the last good key set keeps serving. Against a key server the
test controls, on a free local port."""

import base64
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from app.config import ConfigurationError, Settings
from tests.helpers import DOMAIN, assert_problem, bearer, make_token
from tests.live_server import LiveServer

PATH = f"/cache/{DOMAIN}/ivrfallback"


def jwk_of(private_key, kid: str) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class KeyServer:
    """A JWKS endpoint whose answer the test chooses (`answer`), counting fetches.

    `hold` makes it wait, once the request has come (`received`), until the test
    sets `release` (or 20 s pass)."""

    def __init__(self):
        self.keys: list[dict] = []
        self.answer = "good"
        self.fetches = 0
        self.hold = False
        self.received = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                owner.fetches += 1
                owner.received.set()
                if owner.hold:
                    owner.release.wait(20)
                getattr(owner, f"answer_{owner.answer.replace(' ', '_')}")(self)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the broken answers break the handler's own clean-up too

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def send(handler, body: bytes, status=200, content_type="application/json", length=None):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)

    def document(self) -> bytes:
        return json.dumps({"keys": self.keys}).encode()

    def answer_good(self, handler):
        self.send(handler, self.document())

    def answer_html_error_page(self, handler):
        self.send(handler, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                  content_type="text/html")

    def answer_html_502(self, handler):
        self.send(handler, b"<html><body><h1>502 Bad Gateway</h1></body></html>", status=502,
                  content_type="text/html")

    def answer_truncated(self, handler):
        body = self.document()
        self.send(handler, body[: len(body) // 2], length=len(body))
        handler.close_connection = True

    def answer_truncated_at_a_json_boundary(self, handler):
        # Parses as JSON, but the server promised more: not the key set it meant to send.
        self.send(handler, b'{"keys": []}', length=200)
        handler.close_connection = True

    def answer_empty(self, handler):
        self.send(handler, b"")

    def answer_not_utf_8(self, handler):
        self.send(handler, b'{"keys": [{"kid": "\xff\xfe"}]}')

    def answer_reset(self, handler):
        body = self.document()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:20])
        handler.wfile.flush()
        # SO_LINGER 0: close() sends a TCP reset instead of a clean end.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    def answer_alg_is_a_list(self, handler):
        keys = [{**key, "alg": ["RS256"]} for key in self.keys]
        self.send(handler, json.dumps({"keys": keys}).encode())

    def answer_not_a_key_set(self, handler):
        self.send(handler, b'["keys"]')

    def answer_keys_not_a_list(self, handler):
        self.send(handler, b'{"keys": {"kid": "a"}}')

    def answer_too_large(self, handler):
        self.send(handler, b'{"keys": [], "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}')

    def answer_trickle(self, handler):
        """A byte every 0.2 s of a body that would take a minute."""
        handler.send_response(200)
        handler.send_header("Content-Length", "300")
        handler.end_headers()
        for _ in range(300):
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)


BROKEN = ["html error page", "html 502", "truncated", "truncated at a json boundary", "empty",
          "not utf 8", "reset", "alg is a list", "not a key set", "keys not a list",
          "too large"]


@pytest.fixture
def key_server(rsa_key):
    server = KeyServer()
    server.keys = [jwk_of(rsa_key, "good")]
    yield server
    server.close()


@pytest.fixture
def app_for(settings_overrides):
    """An app verifying with the key server's keys; `settings` override the defaults."""

    def build(server: KeyServer, **settings):
        return create_app({**settings_overrides, "jwt_secret": None, "jwks_url": server.url,
                           **settings})

    return build


def token(key, kid="good", **claims) -> dict:
    return bearer(make_token(key=key, algorithm="RS256", headers={"kid": kid}, **claims))


def token_with_header(key, header: dict) -> dict:
    """An RS256 token with exactly this header (PyJWT refuses to encode a kid that is
    not a string)."""
    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    claims = jwt.decode(make_token(), options={"verify_signature": False})
    signing_input = (part(json.dumps({"alg": "RS256", "typ": "JWT", **header}).encode()) + b"."
                     + part(json.dumps(claims).encode()))
    signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(
        signing_input, key)
    return bearer((signing_input + b"." + part(signature)).decode())


def assert_cannot_judge(response):
    assert_problem(response, 503, "key")
    assert int(response.headers["retry-after"]) >= 1


@pytest.mark.parametrize("answer", BROKEN)
def test_a_broken_key_set_is_a_503_and_the_last_good_one_keeps_serving(key_server, app_for,
                                                                      rsa_key, answer):
    key_server.answer = answer
    settings = {"jwks_cache_seconds": 0.5, "jwks_refresh_cooldown": 0.2}
    with app_for(key_server, **settings).test_client() as client:
        # A cold start: no key set to judge any token with.
        for kid in ("good", "made-up"):
            assert_cannot_judge(client.get(PATH, headers=token(rsa_key, kid)))

        key_server.answer = "good"
        time.sleep(0.25)  # the cooldown after the failed fetch
        assert client.get(PATH, headers=token(rsa_key)).status_code == 200

        key_server.answer = answer
        time.sleep(0.55)  # past the key set's lifetime: the next token fetches again
        fetches = key_server.fetches
        # A new token, so that the verified-token memory does not answer.
        assert client.get(PATH, headers=token(rsa_key, sub="other")).status_code == 200
        assert key_server.fetches == fetches + 1
        # A kid the last good set lacks may be a new key the server failed to give.
        assert_cannot_judge(client.get(PATH, headers=token(rsa_key, "new")))


def test_a_key_whose_alg_is_a_list_is_skipped_and_the_others_serve(key_server, app_for,
                                                                    rsa_key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_server.keys.append({**jwk_of(other, "odd"), "alg": ["RS256"]})
    with app_for(key_server).test_client() as client:
        assert client.get(PATH, headers=token(rsa_key)).status_code == 200
        assert_problem(client.get(PATH, headers=token(other, "odd")), 401, "known key")


@pytest.mark.parametrize("answer", ["good", "html 502", "reset"])
def test_made_up_kids_fetch_at_most_once_per_cooldown(key_server, app_for, rsa_key, answer):
    """SECURITY.md: one fetch per cooldown (30 s), whether the key server answers or not."""
    key_server.answer = answer
    with app_for(key_server).test_client() as client:
        for index in range(200):
            response = client.get(PATH, headers=token(rsa_key, f"made-up-{index}"))
            assert response.status_code in (401, 503), response.text
    assert key_server.fetches == 1


def test_a_known_kid_never_waits_for_the_cooldown(key_server, app_for, rsa_key):
    with app_for(key_server).test_client() as client:
        for index in range(20):
            assert client.get(PATH, headers=token(rsa_key, sub=f"user-{index}")).status_code == 200
    assert key_server.fetches == 1


@pytest.mark.parametrize("kid", [["good"], {"a": 1}, 7, None], ids=["list", "object", "number",
                                                                    "null"])
def test_a_token_header_kid_that_is_not_a_string_is_a_401(key_server, app_for, rsa_key, kid):
    with app_for(key_server).test_client() as client:
        response = client.get(PATH, headers=token_with_header(rsa_key, {"kid": kid}))
        assert_problem(response, 401, "Key ID")
        # No kid at all: the set's only key (as with a key set file).
        assert client.get(PATH, headers=token_with_header(rsa_key, {})).status_code == 200


def test_a_trickling_key_server_does_not_hold_the_request_past_the_deadline(
        key_server, app_for, rsa_key):
    key_server.answer = "trickle"
    with app_for(key_server, jwks_fetch_timeout=1).test_client() as client:
        started = time.monotonic()
        response = client.get(PATH, headers=token(rsa_key))
        waited = time.monotonic() - started
    assert_cannot_judge(response)
    # The body would take a minute; the deadline is a second (generous bound: CI is slow).
    assert waited < 10


def test_a_silent_key_server_does_not_hold_the_request_past_the_deadline(
        key_server, app_for, rsa_key):
    key_server.hold = True
    with app_for(key_server, jwks_fetch_timeout=1).test_client() as client:
        started = time.monotonic()
        response = client.get(PATH, headers=token(rsa_key))
        waited = time.monotonic() - started
        assert_cannot_judge(response)
        assert waited < 10
        # The failure is remembered for the cooldown: no second fetch.
        assert_cannot_judge(client.get(PATH, headers=token(rsa_key, sub="again")))
    assert key_server.fetches == 1


def one_worker(key_server, database_url, tmp_path) -> LiveServer:
    return LiveServer(
        {"CACHE_DATABASE_URL": database_url, "CACHE_JWT_JWKS_URL": key_server.url,
         "CACHE_INSTANCE_PATH": str(tmp_path), "CACHE_JWT_JWKS_COOLDOWN_SECONDS": "0.1"},
        workers=1, log_path=tmp_path / "gunicorn.log",
    )


def test_a_slow_key_server_leaves_the_worker_answering(key_server, rsa_key, database_url,
                                                        tmp_path):
    """One worker: while it fetches a key set the key server holds, its event loop still
    answers /healthz and verifies tokens whose key it has."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    results = {}

    def while_the_key_server_holds(name, headers, *meanwhile):
        key_server.received.clear()
        key_server.release.clear()
        key_server.hold = True
        waiting = threading.Thread(target=lambda: results.update(
            {name: httpx.get(server.url + PATH, headers=headers, timeout=30)}))
        waiting.start()
        try:
            assert key_server.received.wait(10), "the key set was not fetched"
            assert httpx.get(server.url + "/healthz", timeout=3).status_code == 200
            for headers in meanwhile:
                response = httpx.get(server.url + PATH, headers=headers, timeout=3)
                assert response.status_code == 200, response.text
            assert name not in results
        finally:
            key_server.hold = False
            key_server.release.set()
            waiting.join(30)
        assert results[name].status_code == 200, results[name].text

    with one_worker(key_server, database_url, tmp_path) as server:
        # The first fetch, with no key set yet.
        while_the_key_server_holds("first", token(rsa_key))
        # A rotated key's fetch, while tokens of the known key keep being served.
        key_server.keys.append(jwk_of(other, "new"))
        time.sleep(0.2)  # past the cooldown since the first fetch
        while_the_key_server_holds("rotated", token(other, "new"),
                                   token(rsa_key, sub="meanwhile"))


class TestSettings:
    def test_defaults(self, settings_overrides):
        settings = Settings.from_env(settings_overrides)
        assert (settings.jwks_cache_seconds, settings.jwks_fetch_timeout,
                settings.jwks_refresh_cooldown) == (300, 5, 30)

    def test_the_environment_sets_them(self, settings_overrides, monkeypatch):
        monkeypatch.setenv("CACHE_JWT_JWKS_CACHE_SECONDS", "600")
        monkeypatch.setenv("CACHE_JWT_JWKS_TIMEOUT_SECONDS", "2.5")
        monkeypatch.setenv("CACHE_JWT_JWKS_COOLDOWN_SECONDS", "60")
        settings = Settings.from_env(settings_overrides)
        assert (settings.jwks_cache_seconds, settings.jwks_fetch_timeout,
                settings.jwks_refresh_cooldown) == (600, 2.5, 60)

    @pytest.mark.parametrize("name", ["CACHE_JWT_JWKS_CACHE_SECONDS",
                                      "CACHE_JWT_JWKS_TIMEOUT_SECONDS",
                                      "CACHE_JWT_JWKS_COOLDOWN_SECONDS"])
    @pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan", "1e400"])
    def test_values_that_cannot_work_are_refused(self, settings_overrides, monkeypatch, name,
                                                 value):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_env(settings_overrides)
