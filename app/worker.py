"""The gunicorn worker (app/gunicorn_settings.py): uvicorn's, on asyncio's event loop.

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
wrapper once. Measured against uvloop in four A/Bs (issue 10), its p99 was lower in
every one, its GET rate lower by 4-38 %, its decision rate higher in three.
tests/test_gunicorn.py checks that a shutdown closes nothing twice.
"""

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "asyncio"}
