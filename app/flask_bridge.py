"""The hop from Connexion's ASGI middleware into Flask, with one thread crossing each way.

Connexion runs Flask through a2wsgi, which crosses between the event loop and
the handler's thread for every piece of the exchange: the handler's thread
waits for the loop to take the response's start, then each body chunk, then
the end, and the loop waits for the thread's completion; under load each
crossing waits its turn on a busy loop (issue 10's profile: a sixth of a
call-time request's CPU went to these hand-offs, and they made its tail). Here
the loop reads the request body first (RequestGuard has bounded it, and
Connexion's validation has read it already for JSON bodies), the thread runs
the WSGI app to the end and hands back status, headers and body in one piece,
and the loop sends them: one crossing there, one back. A body larger than
STREAM_AFTER_BYTES (no handler here writes one; Flask's file sending could) is
streamed instead, chunk by chunk as a2wsgi does, so it is never held whole.
"""

import asyncio
import contextvars
import io
from concurrent.futures import ThreadPoolExecutor

from a2wsgi.wsgi import build_environ
from starlette.types import Receive, Scope, Send

# a2wsgi's default: the handler threads of one worker process.
THREADS = 10
STREAM_AFTER_BYTES = 1024 * 1024


class FlaskBridge:
    """ASGI app that runs a WSGI app (Flask's) on a thread pool."""

    def __init__(self, wsgi_app, threads: int = THREADS):
        self.wsgi_app = wsgi_app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="WSGI")

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
        exchange = _Exchange(asyncio.get_running_loop(), send)
        # The request's context variables (its request id) go with it into the thread.
        context = contextvars.copy_context()
        answer = await exchange.loop.run_in_executor(
            self.executor, context.run, exchange.run, self.wsgi_app, environ
        )
        if answer is not None:
            start, body = answer
            await send(start)
            await send({"type": "http.response.body", "body": body})


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

    def __init__(self, loop: asyncio.AbstractEventLoop, send: Send):
        self.loop = loop
        self.send = send
        self.start = None
        self.streaming = False

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
            chunks, size = [], 0
            for chunk in iterable:
                if self.streaming:
                    self._write(chunk)
                    continue
                chunks.append(chunk)
                size += len(chunk)
                if size > STREAM_AFTER_BYTES:
                    self._stream(b"".join(chunks))
            if self.streaming:
                self._send_from_thread({"type": "http.response.body", "body": b""})
                return None
            return self.start, b"".join(chunks)
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
        if not self.streaming:
            self._stream(b"")
        if chunk:
            self._send_from_thread({"type": "http.response.body", "body": chunk, "more_body": True})

    def _send_from_thread(self, message) -> None:
        # Waits for the loop to have sent it: the socket's pace holds the handler back.
        asyncio.run_coroutine_threadsafe(self.send(message), self.loop).result()
