"""The gunicorn worker (app/gunicorn_settings.py): uvicorn's, on asyncio's event loop.

Not on uvloop, which uvicorn would pick when it is installed: uvloop closes the
listening socket's file descriptor twice when a worker shuts down gracefully. libuv
closes the descriptor, and a loop turn later uvloop closes the socket object that
still holds its number. Usually the second close fails, and gunicorn logs "Error
while closing socket [Errno 9] Bad file descriptor" (gunicorn issue 3013, taken for
harmless). But the handler threads are still finishing their requests meanwhile, and
a file they open in between gets the freed number: the second close then closes that
file instead. The resilience test met it as a 503 for a write during a graceful
shutdown, its SQLite database file closed under it; a write to a descriptor number
that has gone to another file can corrupt a database (SQLite's "How To Corrupt",
section 2.1). asyncio's loop closes the socket once. tests/test_gunicorn.py checks
that a shutdown closes nothing twice.
"""

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "asyncio"}
