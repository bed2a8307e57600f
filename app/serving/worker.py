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


class RecyclingProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), closing a connection after its
    KEEPALIVE_REQUESTS-th request or so, once that request is answered.

    Requests a client has pipelined behind that one go unanswered, as with nginx's
    limit: RFC 9112 (9.3.2) has the client send them again on a new connection.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests_left = random.randint(KEEPALIVE_REQUESTS // 2, KEEPALIVE_REQUESTS * 3 // 2)

    def on_headers_complete(self) -> None:
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
