"""The gunicorn worker (app/serving/gunicorn_settings.py): uvicorn's, on asyncio's event loop,
keeping the connections spread over the workers (OneAcceptLoop, RecyclingProtocol).

Not on uvloop, which uvicorn would pick when it is installed: uvloop closes the
listening socket's file descriptor twice when a worker shuts down gracefully. gunicorn
hands uvicorn its own socket wrappers, not `socket.socket` objects, and for those
uvloop's handle close (uvloop/handles/handle.pyx, `_close`) lets libuv close the
descriptor and then calls the wrapper's `close()`, which closes the same number again.
Usually that fails, and gunicorn logs "Error while closing socket [Errno 9] Bad file
descriptor" (gunicorn issue 3013, taken for harmless). But the handler threads are
still finishing their requests, and one that opens a file between the two closes gets
the freed number: the second close then closes that file instead. The resilience test
met it as a 503 for a write during a graceful shutdown, a file of its SQLite database
closed under it; a write to a descriptor number that has gone to another file can
corrupt a database (SQLite's "How To Corrupt", section 2.1). asyncio's loop closes the
wrapper once, and measured no slower (docs/decisions/0004-asyncio-not-uvloop.md).
tests/test_gunicorn.py checks that a shutdown closes nothing twice.
"""

import asyncio
import http
import logging
import random
import sys

from gunicorn.arbiter import Arbiter
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

# A keep-alive connection serves about this many requests; its last answer then says
# `Connection: close` (nginx's keepalive_requests, 1,000 by default, does the same).
# The client's next connection goes to the worker that takes it first, the least busy
# one, so a spread gone uneven evens out again: after a worker is replaced, its clients
# reconnect to the others, and a pool that keeps its connections would never come back.
# Each connection's limit is drawn from half to one and a half times this, so that
# connections opened together are not closed together. Fewer requests per connection
# spread faster but the reconnections raise the p99
# (docs/decisions/0005-spreading-connections.md).
KEEPALIVE_REQUESTS = 1000

# The request head's limits. httptools sets none: it gathers a header of any size in
# memory before handing it on, and a 10 MB header was answered 200. These are the usual
# servers' (nginx: 8 KiB lines, 32 KiB in all; gunicorn: 100 fields); the largest head
# a client of this service needs is an 8 KiB token (app/contract/security.py) and a
# short path.
MAX_TARGET_BYTES = 8 * 1024
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 100
HEAD_TOO_LARGE = (431, f"The request's header fields are over {MAX_HEAD_BYTES // 1024} KiB.")

log = logging.getLogger(__name__)


class OneAcceptLoop(asyncio.SelectorEventLoop):
    """asyncio's loop, taking one waiting connection each time the listening socket wakes it.

    All the workers wait on the one listening socket that gunicorn opened, and the kernel
    wakes each of them for a new connection; asyncio's loop then accepts every connection
    waiting, up to the listen backlog (bpo-27906). When a client opens its connections
    at once (a pool at start, or reconnecting after a restart), the first worker awake
    took them all, and they stayed there for as long as the client kept them open,
    the other workers idle. Taking one per wake-up, the workers take turns
    (docs/decisions/0005-spreading-connections.md). tests/test_gunicorn.py opens
    such bursts. The rest is asyncio's own accept.
    """

    # asyncio's own private method, checked at startup (app/serving/internals.py).
    def _accept_connection(self, protocol_factory, sock, sslcontext=None, server=None,
                           backlog=100, *timeouts):
        super()._accept_connection(protocol_factory, sock, sslcontext, server, 1, *timeouts)


class HeadRefused(Exception):
    """A request head over a limit: raised in a parser callback, answered by the protocol."""


class RecyclingProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), closing a connection after its
    KEEPALIVE_REQUESTS-th request or so, once that request is answered, and refusing
    request heads over the limits above.

    Requests a client has pipelined behind that one go unanswered, as with nginx's
    limit: RFC 9112 (9.3.2) has the client send them again on a new connection.

    A head over a limit is answered here, before any of the app runs, as nginx does:
    414 for the target, 431 for the header fields, a problem+json body, and the
    connection closed (the rest of what was sent is not read).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests_left = random.randint(KEEPALIVE_REQUESTS // 2, KEEPALIVE_REQUESTS * 3 // 2)
        # Bytes received while a head was incomplete (while it is, every byte is head):
        # httptools holds a field until it is whole, so this bounds what it gathers.
        self.bytes_in_head = 0
        self.in_head = True
        # The head's fields as parsed, counted and measured, wherever the reads fell.
        self.header_fields = 0
        self.head_size = 0
        self.head_refusal: tuple[int, str] | None = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.in_head and not self.transport.is_closing():
            # A read that ended one request and began the next counts whole: an
            # overestimate by at most one read, on pipelined requests only.
            self.bytes_in_head += len(data)
            if self.bytes_in_head > MAX_HEAD_BYTES:
                self._refuse_head(*HEAD_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.header_fields = self.head_size = 0

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_TARGET_BYTES:
            self._refuse_in_parser(414, f"The request target (path and query) is over "
                                        f"{MAX_TARGET_BYTES // 1024} KiB.")
        self.head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_fields += 1
        self.head_size += len(name) + len(value) + 4  # ": " and CRLF
        if self.header_fields > MAX_HEADER_FIELDS:
            self._refuse_in_parser(431, f"The request has over {MAX_HEADER_FIELDS} header "
                                        f"fields.")
        if self.head_size > MAX_HEAD_BYTES:
            self._refuse_in_parser(*HEAD_TOO_LARGE)
        super().on_header(name, value)

    def _refuse_in_parser(self, status: int, detail: str) -> None:
        """Stop the parser; send_400_response then answers this refusal."""
        self.head_refusal = (status, detail)
        raise HeadRefused

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers every parser error with this, HeadRefused from our callbacks
        # too (the parser wraps what a callback raises).
        if self.head_refusal is None:
            super().send_400_response(msg)
        else:
            self._refuse_head(*self.head_refusal)

    def _refuse_head(self, status: int, detail: str) -> None:
        # Imported here: gunicorn's master imports this module to find the worker class,
        # and must not build the app's metrics.
        from app.contract.errors import PROBLEM_MEDIA_TYPE, problem_body

        log.warning("refused a request head from %s: %s", self.client, detail)
        body = problem_body(status, detail)
        self.transport.write(b"".join([
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n".encode(),
            f"content-type: {PROBLEM_MEDIA_TYPE}\r\n".encode(),
            f"content-length: {len(body)}\r\n".encode(),
            # The app's CORS rule is out of reach here; the refusal holds nothing private.
            b"access-control-allow-origin: *\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]))
        self.transport.close()

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.bytes_in_head = 0
        super().on_headers_complete()
        self.requests_left -= 1
        if self.requests_left <= 0 and self.cycle is not None:
            # What uvicorn does itself at a graceful shutdown: the answer in progress
            # says `Connection: close`, and the connection closes once it is sent.
            self.cycle.keep_alive = False


class Worker(UvicornWorker):
    # uvicorn calls an import string that names no loop of its own to make the loop.
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "app.serving.worker:OneAcceptLoop",
                     "http": RecyclingProtocol}

    def load_wsgi(self) -> None:
        """Build the app (wsgi.py); if it refuses to start, say why in one line, not a
        traceback, and exit as a worker that failed to boot (gunicorn then stops).

        The master checked already (gunicorn_settings.on_starting); this is for what
        changed since, such as a database migrated down.
        """
        from app import STARTUP_REFUSALS

        try:
            super().load_wsgi()
        except STARTUP_REFUSALS as error:
            self.log.error("cache-api cannot start: %s", error)
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
