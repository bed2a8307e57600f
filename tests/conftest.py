"""Fixtures: the real app on a real, migrated database, tokens and a clock."""

import contextlib
import os
import secrets
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, delete, make_url, text
from sqlalchemy.exc import OperationalError

from app import clock, create_app
from app.storage import db, migrate
from app.storage.models import (
    IvrFallback, IvrFallbackCounter, IvrFallbackHistory, IvrFallbackUse, SiprecFallback,
    UsageFlush,
)
from tests.helpers import ON_POSTGRES, PLATFORM, SECRET, bearer, make_token
from tests.tcp_proxy import TcpProxy

# Every table a test may write, emptied after it and compared by `stored`.
TABLES = (IvrFallback, SiprecFallback, IvrFallbackHistory, IvrFallbackCounter,
          IvrFallbackUse, UsageFlush)

# Property tests draw the same examples on every run, so that CI's verdict does not
# depend on luck; explore new ones with HYPOTHESIS_PROFILE=explore.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session", autouse=True)
def clean_environment():
    """The developer's own CACHE_* settings must not leak into the tests."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("CACHE_")}
    yield
    os.environ.update(saved)


# The PostgreSQL server the `postgresql` tox environment runs against; each run
# creates its own database there and drops it at the end.
POSTGRES_ADMIN_URL = os.environ.get(
    "CACHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, clean_environment):
    """A database migrated to head with the real migrations, for the whole run."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def empty_database_url(tmp_path, clean_environment):
    """A database of this run's engine with nothing in it, not even migrations."""
    with new_database(tmp_path) as url:
        yield url


@contextlib.contextmanager
def new_database(folder):
    """A new SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{folder / 'cache.sqlite3'}"
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        admin.connect().close()
    except OperationalError as error:
        admin.dispose()
        pytest.exit(
            f"SKIPPED the PostgreSQL run: no server answers at {admin.url} ({error.orig}). "
            "Start one, or set CACHE_TEST_POSTGRES_URL.",
            returncode=0,
        )
    name = f"cache_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def engines_closed(monkeypatch):
    """Each app a test builds gives its pooled connections back when the test ends.

    create_app() freezes what it built out of the garbage collector's reach (gc.freeze,
    as a worker does once), so the pools of the apps that tests build would otherwise
    hold their connections for the rest of the run: PostgreSQL ran out of them (its
    100) late in the run. The engines stay usable: a disposed engine opens new
    connections when asked.
    """
    made = []

    def recording(*args, **kwargs):
        made.append(engine := create_engine(*args, **kwargs))
        return engine

    monkeypatch.setattr(db, "create_engine", recording)
    yield
    for engine in made:
        engine.dispose()


@pytest.fixture
def proxy(database_url):
    """A TCP proxy to the run's database, which a test can cut (tests/tcp_proxy.py)."""
    target = make_url(database_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    yield proxy
    proxy.cut()


@pytest.fixture(autouse=True)
def empty_tables(request):
    """Each test starts with empty caches (only for tests that use the database)."""
    if "database_url" not in request.fixturenames:
        yield
        return
    yield
    engine = create_engine(request.getfixturevalue("database_url"))
    with engine.begin() as connection:
        for model in TABLES:
            connection.execute(delete(model))
    engine.dispose()


class Clock:
    """The service's clock, set by the test; starts at the real time (tokens use it)."""

    def __init__(self):
        self.now = int(time.time())

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    fixed = Clock()
    monkeypatch.setattr(clock, "now", lambda: fixed.now)
    return fixed


@pytest.fixture
def settings_overrides(tmp_path, database_url):
    return {
        "instance_path": tmp_path / "instance",
        "database_url": database_url,
        "jwt_secret": SECRET,
        "validate_responses": True,
    }


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory, database_url):
    """The app on the run's database, built once: building one takes about 0.35 s, which
    was most of each test's time. Its usage tally is flushed only when a test says so."""
    return create_app({
        "instance_path": tmp_path_factory.mktemp("instance"),
        "database_url": database_url,
        "jwt_secret": SECRET,
        "validate_responses": True,
        "usage_flush_interval": 3600,
    })


@pytest.fixture
def app(shared_app):
    """The app, with no fallback use left over from another test: what a test leaves in
    the tally is written when it ends, before its tables are emptied."""
    shared_app.app.extensions["cache_usage"].flush()
    yield shared_app
    shared_app.app.extensions["cache_usage"].flush()


@pytest.fixture
def client(app):
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def auth():
    """Headers of a read+write token for example.com."""
    return bearer(make_token())


@pytest.fixture
def platform_auth():
    return bearer(make_token(scopes=(PLATFORM,)))


@pytest.fixture
def stored(engine):
    """A callable returning every stored row of both caches and of the history, to check
    that nothing changed."""

    def rows() -> dict:
        with engine.connect() as connection:
            return {
                model.__tablename__: sorted(
                    tuple(row) for row in connection.execute(model.__table__.select())
                )
                for model in TABLES
            }

    return rows


@pytest.fixture(scope="session")
def rsa_key():
    """A signing key of an identity provider (RS256), for the JWKS tests."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key():
    """A signing key of an identity provider (ES256), for the JWKS tests."""
    return ec.generate_private_key(ec.SECP256R1())


