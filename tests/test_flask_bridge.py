"""app/flask_bridge.py: Flask behind the ASGI middleware, one thread crossing each way."""

import asyncio
import contextvars

import pytest
from starlette.testclient import TestClient

from app import flask_bridge
from app.flask_bridge import FlaskBridge

caller = contextvars.ContextVar("caller", default="nobody")


def run(app, scope_overrides=None, body_messages=None):
    """Call the ASGI app once, directly: the messages it sent."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/echo", "raw_path": b"/echo", "root_path": "",
             "query_string": b"a=1", "headers": [(b"host", b"testserver")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    scope.update(scope_overrides or {})
    incoming = list(body_messages or [{"type": "http.request", "body": b""}])
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    async def call():
        caller.set("the request's task")
        await app(scope, receive, send)

    asyncio.run(call())
    return sent


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Seen", caller.get())])
    return [environ["REQUEST_METHOD"].encode(), b" ", environ["QUERY_STRING"].encode(), b" ", body]


def test_the_app_runs_flask_through_the_bridge(app):
    # Connexion keeps its hop into Flask in a private attribute: this fails if it moves.
    assert isinstance(app._middleware_app.asgi_app, FlaskBridge)
    assert app._middleware_app.asgi_app.wsgi_app is app.app


def test_a_small_answer_goes_out_as_one_start_and_one_body():
    sent = run(FlaskBridge(echo), body_messages=[
        {"type": "http.request", "body": b"hel", "more_body": True},
        {"type": "http.request", "body": b"lo", "more_body": False},
    ])
    assert sent == [
        {"type": "http.response.start", "status": 201,
         "headers": [(b"content-type", b"text/plain"), (b"x-seen", b"the request's task")]},
        {"type": "http.response.body", "body": b"POST a=1 hello"},
    ]


def test_a_large_answer_is_streamed_chunk_by_chunk(monkeypatch):
    monkeypatch.setattr(flask_bridge, "STREAM_AFTER_BYTES", 10)
    chunks = [b"a" * 6, b"b" * 6, b"c" * 6, b"d" * 6]

    def large(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        yield from chunks

    sent = run(FlaskBridge(large))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = sent[1:]
    assert all(message["type"] == "http.response.body" for message in bodies)
    assert b"".join(message["body"] for message in bodies) == b"".join(chunks)
    assert [message.get("more_body", False) for message in bodies][-1] is False
    assert len(bodies) >= 3  # sent as it came once over the limit, not held whole


def test_the_write_callable_streams():
    def writer(environ, start_response):
        write = start_response("200 OK", [])
        write(b"written ")
        return [b"returned"]

    sent = run(FlaskBridge(writer))
    assert sent[0]["status"] == 200
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b"written returned"


def test_an_error_before_the_answer_reaches_the_middleware_and_closes_the_iterable():
    closed = []

    class Failing:
        def __init__(self, environ, start_response):
            pass

        def __iter__(self):
            raise RuntimeError("handler failed")

        def close(self):
            closed.append(True)

    with pytest.raises(RuntimeError, match="handler failed"):
        run(FlaskBridge(Failing))
    assert closed == [True]


def test_through_an_http_client_too():
    with TestClient(FlaskBridge(echo)) as client:
        response = client.put("/x?b=2", content=b"body")
    assert (response.status_code, response.text) == (201, "PUT b=2 body")
