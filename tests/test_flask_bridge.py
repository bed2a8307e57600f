"""app/serving/bridge.py: Flask behind the ASGI middleware, one thread crossing each way."""

import asyncio
import contextvars
import importlib
import inspect
import threading
import time

import pytest
from starlette.testclient import TestClient

from app import api
from app.api import operations
from app.contract import specs
from app.serving import bridge as flask_bridge
from app.storage import history, store
from app.api import preflight
from app.serving.bridge import FlaskBridge
from app.resources import data_folder
from tests.helpers import DOMAIN, calling

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


LOOKUP = "app.api.example.lookup"
PREFLIGHT = "app.api.example.preflight"


def routed(operation: str | None) -> dict:
    """The scope as Connexion's routing leaves it, naming the operation."""
    return {"extensions": {flask_bridge.ROUTING_CONTEXT: {"operation_id": operation}}}


def thread_recorder(threads: list, sleep: list[float] | None = None):
    """A WSGI app that records the thread each run is on and takes sleep[0] seconds
    (the test changes it between runs: the database slowing)."""
    sleep = sleep if sleep is not None else [0.0]

    def app(environ, start_response):
        threads.append(threading.current_thread().name)
        time.sleep(sleep[0])
        start_response("200 OK", [])
        return [b"ok"]
    return app


def test_lookups_and_on_loop_operations_run_on_the_loops_thread_and_others_on_threads():
    threads = []
    bridge = FlaskBridge(thread_recorder(threads), on_loop=frozenset({PREFLIGHT}),
                         lookups=frozenset({LOOKUP}))
    for operation in (LOOKUP, PREFLIGHT, "app.api.example.write", None):
        sent = run(bridge, routed(operation))
        assert sent[-1]["body"] == b"ok"
    main = threading.current_thread().name  # asyncio.run's loop is on this one
    assert threads[:2] == [main, main]
    assert threads[2].startswith("WSGI") and threads[3].startswith("WSGI")


def test_an_answer_on_the_loop_is_held_whole_and_keeps_the_request_context(monkeypatch):
    # No streaming from the loop's thread: handing a chunk to the loop would wait for ever.
    monkeypatch.setattr(flask_bridge, "STREAM_AFTER_BYTES", 10)

    def large(environ, start_response):
        write = start_response("200 OK", [("X-Seen", caller.get())])
        write(b"w" * 12)
        return [b"a" * 12, b"b" * 12]

    sent = run(FlaskBridge(large, lookups=frozenset({LOOKUP})), routed(LOOKUP))
    assert sent == [
        {"type": "http.response.start", "status": 200,
         "headers": [(b"x-seen", b"the request's task")]},
        {"type": "http.response.body", "body": b"w" * 12 + b"a" * 12 + b"b" * 12},
    ]


def test_a_stalled_lookup_sends_the_lookups_to_the_threads_for_a_pause_that_grows(
        monkeypatch):
    # Scaled down 4x: a limit of 5 ms on the average, so one lookup of 60 ms passes it.
    monkeypatch.setattr(flask_bridge, "LOOKUP_AVERAGE_LIMIT_SECONDS", 0.005)
    threads, sleep = [], [0.0]
    bridge = FlaskBridge(thread_recorder(threads, sleep), on_loop=frozenset({PREFLIGHT}),
                         lookups=frozenset({LOOKUP}))
    pauses = flask_bridge.LOOKUP_PAUSES._value.get()
    sleep[0] = 0.06  # the database stalls
    run(bridge, routed(LOOKUP))
    assert flask_bridge.LOOKUP_PAUSES._value.get() == pauses + 1
    assert bridge.lookups_paused_until > time.monotonic() + 4  # 5 s
    run(bridge, routed(LOOKUP))  # paused: on a thread, slow or not
    sleep[0] = 0.0
    run(bridge, routed(PREFLIGHT))  # waits on nothing: stays on the loop, paused or not
    sleep[0] = 0.03
    bridge.lookups_paused_until = 0.0  # the pause has passed; the average starts anew
    run(bridge, routed(LOOKUP))  # still slow: a pause twice as long
    assert bridge.lookups_paused_until > time.monotonic() + 9
    assert flask_bridge.LOOKUP_PAUSES._value.get() == pauses + 2
    sleep[0] = 0.0
    bridge.lookups_paused_until = 0.0
    run(bridge, routed(LOOKUP))  # fast again: on the loop, and the next pause is the first's
    assert bridge.lookups_pause == flask_bridge.LOOKUP_PAUSE_SECONDS
    main = threading.current_thread().name
    assert [name == main for name in threads] == [True, False, True, True, True]


class SteppedClock:
    """The bridge's clock, moved on by the app it runs: lookups take exactly the time the
    test says, however busy the machine running the test is."""

    def __init__(self):
        self.now = 1000.0
        self.step = 0.0

    def monotonic(self) -> float:
        return self.now

    def app(self, environ, start_response):
        self.now += self.step
        start_response("200 OK", [])
        return [b"ok"]


def test_one_slowish_lookup_stays_on_the_loop_but_slow_ones_in_a_row_leave_it(monkeypatch):
    monkeypatch.setattr(flask_bridge, "LOOKUP_AVERAGE_LIMIT_SECONDS", 0.005)
    clock = SteppedClock()
    monkeypatch.setattr(flask_bridge, "time", clock)
    bridge = FlaskBridge(clock.app, lookups=frozenset({LOOKUP}))
    clock.step = 0.03  # one lookup opens a connection: 3 ms on the average
    run(bridge, routed(LOOKUP))
    assert bridge.lookups_paused_until == 0.0
    clock.step = 0.0005
    for _ in range(5):
        run(bridge, routed(LOOKUP))
    clock.step = 0.01  # the database slows down: twice the limit, every time
    runs = 0
    while bridge.lookups_paused_until == 0.0:
        run(bridge, routed(LOOKUP))
        runs += 1
    assert 5 <= runs <= 12  # a few in a row, not the first


def test_a_slow_run_that_fails_pauses_too(monkeypatch):
    # A statement timeout leaves Flask as an exception, for Connexion's error handler.
    monkeypatch.setattr(flask_bridge, "LOOKUP_AVERAGE_LIMIT_SECONDS", 0.005)

    def timing_out(environ, start_response):
        time.sleep(0.06)
        raise RuntimeError("canceling statement due to statement timeout")

    bridge = FlaskBridge(timing_out, lookups=frozenset({LOOKUP}))
    with pytest.raises(RuntimeError, match="statement timeout"):
        run(bridge, routed(LOOKUP))
    assert bridge.lookups_paused_until > time.monotonic() + 4


def test_the_pause_stops_growing_at_a_minute(monkeypatch):
    monkeypatch.setattr(flask_bridge, "LOOKUP_AVERAGE_LIMIT_SECONDS", 0.0)
    bridge = FlaskBridge(thread_recorder([]), lookups=frozenset({LOOKUP}))
    for _ in range(6):  # 5, 10, 20, 40, 60, 60 s
        bridge.lookups_paused_until = 0.0
        run(bridge, routed(LOOKUP))
    assert bridge.lookups_pause == flask_bridge.LOOKUP_MAX_PAUSE_SECONDS == 60
    assert bridge.lookups_paused_until - time.monotonic() > 59


def test_the_on_loop_operations_are_the_specs_call_time_lookups_and_preflights():
    operation_ids = {
        f"app.api.{operation['operationId']}"
        for name in specs.SPEC_FILES
        for path in specs.bundle(data_folder("openapi") / name)["paths"].values()
        for method, operation in path.items() if isinstance(operation, dict)
        and "operationId" in operation
    }
    assert api.CALL_TIME_LOOKUPS <= operation_ids  # a typo would silently use the threads
    assert preflight.OPERATIONS == {operation for operation in operation_ids
                                    if operation.startswith("app.api.preflight.")}
    for operation in api.CALL_TIME_LOOKUPS | preflight.OPERATIONS:
        module, name = operation.rsplit(".", 1)
        function = getattr(importlib.import_module(module), name)
        # Connexion runs a coroutine handler with async_to_sync, which fails on the loop.
        assert inspect.isfunction(function) and not inspect.iscoroutinefunction(function)


def test_through_the_app_lookups_and_liveness_run_on_the_loop_and_a_write_on_a_thread(
        app, client, auth, monkeypatch):
    threads = {}

    def recording(module, name):
        function = getattr(module, name)

        def wrapper(*args, **kwargs):
            threads[name] = threading.current_thread().name
            return function(*args, **kwargs)
        monkeypatch.setattr(module, name, wrapper)

    recording(history, "set_entry")
    recording(store, "get_ivr_fallback")
    recording(operations, "json_response")  # what /healthz answers with
    path = f"/cache/{DOMAIN}/ivrfallback/+15550001"
    assert client.post(path, json=calling(), headers=auth).status_code == 200
    assert client.get(path, headers=auth).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert threads["set_entry"].startswith("WSGI")
    assert not threads["get_ivr_fallback"].startswith("WSGI")
    assert not threads["json_response"].startswith("WSGI")
