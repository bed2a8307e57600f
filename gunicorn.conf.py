"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be changed from the environment (or gunicorn's own flags,
which win over this file).
"""

import multiprocessing
import os

bind = os.environ.get("CACHE_BIND", "0.0.0.0:8080")
# The app is ASGI (Connexion); each worker runs Flask handlers on a thread pool.
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker silent for this long is killed and replaced.
timeout = int(os.environ.get("CACHE_WORKER_TIMEOUT", "30"))
# On SIGTERM, workers stop accepting and get this long to finish in-flight requests.
graceful_timeout = int(os.environ.get("CACHE_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
accesslog = os.environ.get("CACHE_ACCESS_LOG", "-")
errorlog = "-"
# Never preload: each worker opens its own database connections after the fork.
preload_app = False
