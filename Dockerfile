# The production image: gunicorn with uvicorn workers, as a non-root user, running the
# wheel (the same distribution operators install elsewhere), not the source tree.
#   docker build -t cache-api .
#   docker run --rm cache-api cache-api db upgrade            # once per release, before the rollout
#   docker run -p 8080:8080 -e CACHE_DATABASE_URL=... -e CACHE_JWT_JWKS_URL=... cache-api

# Stage 1: the wheel, built from what setup.cfg puts in it.
FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.cfg setup.py README.md wsgi.py ./
COPY app ./app
COPY openapi ./openapi
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /dist .

# Stage 2: the image, with the wheel installed and no source in it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CACHE_INSTANCE_PATH=/var/lib/cache-api \
    CACHE_BIND=0.0.0.0:8080

RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin cache \
    && install -d -o cache -g cache /var/lib/cache-api

# Dependencies first, read from setup.cfg, so that a code change does not reinstall them.
COPY setup.cfg /tmp/setup.cfg
RUN python -c "import configparser; c = configparser.ConfigParser(); c.read('/tmp/setup.cfg'); print(c['options']['install_requires'])" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/setup.cfg /tmp/requirements.txt
COPY --from=wheel /dist /tmp/dist
RUN pip install --no-deps /tmp/dist/*.whl && pip check && rm -rf /tmp/dist

# The server's folder holds only the operator's gunicorn.conf.py: the code, the specs
# and the migrations are in the installed package (an `app/` here would shadow it).
WORKDIR /srv/cache-api
COPY gunicorn.conf.py ./

USER cache
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
