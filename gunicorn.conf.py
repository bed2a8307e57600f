"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

It listens on every address of the host, port 8080 (`0.0.0.0:8080`; CACHE_BIND=host:port
changes it), and believes X-Forwarded-* from no one unless CACHE_TRUSTED_PROXIES names
the proxies in front (docs/proxies.md).

An operator keeps this file in the folder the server runs from; the settings
themselves come with the installed package (app/serving/gunicorn_settings.py), so it
stays the same from release to release.
"""

import os
import tempfile

# A fresh folder per start for the metrics summed over the workers. prometheus_client
# reads it when imported, which importing `app` does, so it is set before that.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="cache-api-metrics-"))

from app.serving.gunicorn_settings import *  # noqa: E402,F401,F403
