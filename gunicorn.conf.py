"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed from the environment (or gunicorn's own flags,
which win over this file).
"""

import multiprocessing
import os
import tempfile

# Prometheus metrics are summed over the workers through files in this folder;
# it must be set before prometheus_client is imported, and be fresh per start.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="cache-api-metrics-"))

from app.logs import LOGGING  # noqa: E402  (imports no metrics)

bind = os.environ.get("CACHE_BIND", "0.0.0.0:8080")
# The app is ASGI (Connexion); each worker runs Flask handlers on a thread pool.
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker silent for this long is killed and replaced.
timeout = int(os.environ.get("CACHE_WORKER_TIMEOUT", "30"))
# On SIGTERM, workers stop accepting and get this long to finish in-flight requests.
graceful_timeout = int(os.environ.get("CACHE_GRACEFUL_TIMEOUT", "30"))
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


def child_exit(_server, worker) -> None:
    """Drop a dead worker's live gauges from the summed metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
