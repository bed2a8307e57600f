# The production image: gunicorn with uvicorn workers, as a non-root user.
#   docker build -t cache-api .
#   docker run --rm cache-api cache-api db upgrade            # once per release, before the rollout
#   docker run -p 8080:8080 -e CACHE_DATABASE_URL=... -e CACHE_JWT_JWKS_URL=... cache-api
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CACHE_INSTANCE_PATH=/var/lib/cache-api \
    CACHE_BIND=0.0.0.0:8080

RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin cache \
    && install -d -o cache -g cache /var/lib/cache-api

WORKDIR /srv/cache-api
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml setup.cfg README.md ./
RUN mkdir app && touch app/__init__.py && pip install . && pip uninstall -y cache-api && rm -rf app build *.egg-info
COPY app ./app
COPY openapi ./openapi
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py alembic.ini ./
# Editable: the app reads openapi/ and migrations/ from beside its package.
RUN pip install --no-deps -e . && rm -rf build

USER cache
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
