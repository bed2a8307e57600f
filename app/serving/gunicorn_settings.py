"""The production server's settings, read by gunicorn.conf.py:
`gunicorn -c gunicorn.conf.py wsgi:app`.

They live in the package, so that they come with each release; the
gunicorn.conf.py an operator keeps in the server's folder only imports them.
Every value can be changed from the environment (or gunicorn's own flags,
which win over the file).
"""

import multiprocessing
import os
import sys

from app.config import ConfigurationError, positive_int, trusted_proxies
from app.logs import LOGGING

# Prometheus metrics are summed over the workers through files in this folder, which
# prometheus_client reads when it is imported, as importing `app` does: gunicorn.conf.py
# sets it before that import. Without it each worker would answer /metrics alone.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    raise RuntimeError(
        "PROMETHEUS_MULTIPROC_DIR must be set before `app` is imported: "
        "run gunicorn with the gunicorn.conf.py of the repository"
    )

# Every address of the host, port 8080.
bind = os.environ.get("CACHE_BIND", "0.0.0.0:8080")
# Whose X-Forwarded-For and X-Forwarded-Proto uvicorn believes: only from the proxies named in
# CACHE_TRUSTED_PROXIES, by default from no one (gunicorn's default would trust 127.0.0.1,
# or FORWARDED_ALLOW_IPS). docs/proxies.md states the rule.
try:
    forwarded_allow_ips = ",".join(trusted_proxies())
    # One worker per core, by measurement (docs/decisions/0006-worker-count.md): each
    # worker runs its requests on a thread pool already, so more processes only add
    # switching and memory.
    workers = positive_int(os.environ, "WEB_CONCURRENCY", multiprocessing.cpu_count())
    # A worker silent for this long is killed and replaced.
    timeout = positive_int(os.environ, "CACHE_WORKER_TIMEOUT", 30)
    # On SIGTERM, workers stop accepting and get this long to finish in-flight requests.
    graceful_timeout = positive_int(os.environ, "CACHE_GRACEFUL_TIMEOUT", 30)
except ConfigurationError as error:
    # One line and exit 1, not gunicorn's traceback of its config file.
    sys.exit(f"cache-api cannot start: {error}")
# The app is ASGI (Connexion); each worker runs Flask handlers on a thread pool.
worker_class = "app.serving.worker.Worker"
keepalive = 5
# JSON lines on stderr. The access log is written by the app (one line per request,
# with its request id and operation), so gunicorn's own is off.
logconfig_dict = LOGGING
accesslog = None
# Gunicorn's runtime-control socket is one fixed path per user: several servers on one
# host would fight over it, and nothing here uses it.
control_socket_disable = True
# Never preload: each worker opens its own database connections after the fork.
preload_app = False


def on_starting(server) -> None:
    """Refuse to start, in one line and before any worker, what no worker could serve
    (a schema behind the code, settings that cannot work): exit 1."""
    from app import STARTUP_REFUSALS, check_can_start

    try:
        check_can_start()
    except STARTUP_REFUSALS as error:
        server.log.error("cache-api cannot start: %s", error)
        sys.exit(1)


def child_exit(_server, worker) -> None:
    """Drop a dead worker's live gauges from the summed metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
