"""The hop from Connexion's ASGI middleware into Flask, with one thread crossing each way.

Connexion runs Flask through a2wsgi, which crosses between the event loop and
the handler's thread for every piece of the exchange: the handler's thread
waits for the loop to take the response's start, then each body chunk, then
the end, and the loop waits for the thread's completion; under load each
crossing waits its turn on a busy loop (docs/decisions/0003-lookups-on-the-event-loop.md).
Here
the loop reads the request body first (RequestGuard has bounded it, and
Connexion's validation has read it already for JSON bodies), the thread runs
the WSGI app to the end and hands back status, headers and body in one piece,
and the loop sends them: one crossing there, one back. A body larger than
STREAM_AFTER_BYTES (no handler here writes one; Flask's file sending could) is
streamed instead, chunk by chunk as a2wsgi does, so it is never held whole.

The call-time lookups skip even that hop: the operations named in `lookups` (each
waits on nothing but one primary-key read) and in `on_loop` (they wait on nothing:
preflights, the liveness check; by operation id, or by path off the specs) run on
the event loop's own thread, start to end, as a sync worker would run them. Handed
to a thread, such a request spent more time crossing and waiting for the GIL than
running. While one runs, the process
answers nothing else, so slow lookups (the database slowing or stalling) send the
lookups to the threads for a while (LOOKUP_PAUSE_SECONDS, doubling while the database
stays slow); the others stay on the loop, which keeps answering them.
"""

import asyncio
import contextvars
import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor

# Not a2wsgi's public API: checked at startup (app/serving/internals.py).
from a2wsgi.wsgi import build_environ
from prometheus_client import Counter
from starlette.types import Receive, Scope, Send

# a2wsgi's default: the handler threads of one worker process.
THREADS = 10
STREAM_AFTER_BYTES = 1024 * 1024
# A lookup on the loop normally takes about a millisecond. The lookups leave the loop
# when their average time there, weighted to the recent ones, goes over the limit:
# lookups of over 20 ms in a row (a slowing database: on the threads ten of them wait at
# once), or one of over 0.2 s (a stalled database: up to the read timeout, or about
# twice the TCP timeout on a silent one: app/storage/db.py);
# one lookup that opens a PostgreSQL connection is not enough. After a pause, the next
# lookup runs on the loop again and the average starts from it: if it is slow too, the
# pause doubles, up to the longest (a database that stays stalled holds the loop up once
# a minute at most).
LOOKUP_AVERAGE_LIMIT_SECONDS = 0.02
LOOKUP_WEIGHT = 0.1  # the latest lookup's share of the average
LOOKUP_PAUSE_SECONDS = 5.0
LOOKUP_MAX_PAUSE_SECONDS = 60.0
# Where Connexion's routing names the request's operation (None off the specs).
ROUTING_CONTEXT = "connexion_routing"

log = logging.getLogger(__name__)

LOOKUP_PAUSES = Counter(
    "cache_lookup_pauses_total",
    "Times the call-time lookups left the event loop's thread for the handler threads "
    "because they were slow there.",
)


class FlaskBridge:
    """ASGI app that runs a WSGI app (Flask's) on a thread pool; the operations in
    `on_loop` on the event loop's thread, and those in `lookups` there too while
    they are fast."""

    def __init__(self, wsgi_app, on_loop: frozenset[str] = frozenset(),
                 lookups: frozenset[str] = frozenset(), threads: int = THREADS):
        self.wsgi_app = wsgi_app
        self.on_loop = on_loop
        self.lookups = lookups
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="WSGI")
        # The lookups' weighted average time on the loop (None after a pause: the next
        # lookup starts it), until when (time.monotonic()) they run on the threads, and
        # how long the next pause will be.
        self.lookups_average: float | None = 0.0
        self.lookups_paused_until = 0.0
        self.lookups_pause = LOOKUP_PAUSE_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # Connexion's own lifespan handling is outside; answer as a2wsgi does.
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        body = await _read_body(receive)
        environ = build_environ(scope, io.BytesIO(body))
        # The request's context variables (its request id) go with it, and Flask's
        # request context lives in one of them: each run has a copy of its own.
        context = contextvars.copy_context()
        # A route outside the specs (/healthz) has no operation id: its path names it.
        operation = (scope.get("extensions", {}).get(ROUTING_CONTEXT, {}).get("operation_id")
                     or scope["path"])
        if operation in self.on_loop:
            answer = self._run_here(context, environ, send)
        elif operation in self.lookups and time.monotonic() >= self.lookups_paused_until:
            answer = self._run_lookup_here(operation, context, environ, send)
        else:
            exchange = _Exchange(asyncio.get_running_loop(), send)
            answer = await exchange.loop.run_in_executor(
                self.executor, context.run, exchange.run, self.wsgi_app, environ
            )
        if answer is not None:
            start, body = answer
            await send(start)
            await send({"type": "http.response.body", "body": body})

    def _run_here(self, context, environ, send):
        exchange = _Exchange(asyncio.get_running_loop(), send, on_loop=True)
        return context.run(exchange.run, self.wsgi_app, environ)

    def _run_lookup_here(self, operation, context, environ, send):
        started = time.monotonic()
        try:
            return self._run_here(context, environ, send)
        finally:
            # Errors too: a statement timeout reaches Connexion's handler as an exception.
            self._timed_lookup(operation, time.monotonic() - started)

    def _timed_lookup(self, operation: str, took: float) -> None:
        average = took if self.lookups_average is None else (
            self.lookups_average + LOOKUP_WEIGHT * (took - self.lookups_average))
        if average <= LOOKUP_AVERAGE_LIMIT_SECONDS:
            self.lookups_average, self.lookups_pause = average, LOOKUP_PAUSE_SECONDS
            return
        self.lookups_average = None
        self.lookups_paused_until = time.monotonic() + self.lookups_pause
        LOOKUP_PAUSES.inc()
        log.warning("call-time lookups took %.3f s on average on the event loop's thread "
                    "(%s: %.3f s): they run on the handler threads for %.0f s",
                    average, operation, took, self.lookups_pause)
        self.lookups_pause = min(2 * self.lookups_pause, LOOKUP_MAX_PAUSE_SECONDS)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class _Exchange:
    """One request's run of the WSGI app, on a handler thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, send: Send, on_loop: bool = False):
        self.loop = loop
        self.send = send
        # On the loop's own thread nothing can be handed to the loop before the run
        # ends: the answer is held whole (the on-loop operations' answers are small).
        self.on_loop = on_loop
        self.start = None
        self.streaming = False
        self.chunks: list[bytes] = []

    def start_response(self, status: str, headers, exc_info=None):
        if exc_info is not None and self.streaming:
            # PEP 3333: too late to change the answer once its start has gone out.
            raise exc_info[1].with_traceback(exc_info[2])
        code = int(status.split(" ", 1)[0])
        self.start = {
            "type": "http.response.start",
            "status": code,
            "headers": [(name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
                        for name, value in headers],
        }
        return self._write

    def run(self, wsgi_app, environ):
        """The whole answer as (start, body), or None once it has been streamed."""
        iterable = wsgi_app(environ, self.start_response)
        try:
            size = 0
            for chunk in iterable:
                if self.streaming:
                    self._write(chunk)
                    continue
                self.chunks.append(chunk)
                size += len(chunk)
                if size > STREAM_AFTER_BYTES and not self.on_loop:
                    self._stream(b"".join(self.chunks))
            if self.streaming:
                self._send_from_thread({"type": "http.response.body", "body": b""})
                return None
            return self.start, b"".join(self.chunks)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    def _stream(self, first: bytes) -> None:
        self.streaming = True
        self._send_from_thread(self.start)
        self._write(first)

    def _write(self, chunk: bytes) -> None:
        """WSGI's write() callable, and each chunk once streaming."""
        if self.on_loop:
            self.chunks.append(chunk)
            return
        if not self.streaming:
            self._stream(b"")
        if chunk:
            self._send_from_thread({"type": "http.response.body", "body": chunk, "more_body": True})

    def _send_from_thread(self, message) -> None:
        # Waits for the loop to have sent it: the socket's pace holds the handler back.
        asyncio.run_coroutine_threadsafe(self.send(message), self.loop).result()
