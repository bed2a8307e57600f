"""A live gunicorn server for the clients' tests, and clients of it with the tests' tokens."""

import pytest

from tests.helpers import PLATFORM, READ, SECRET, WRITE, make_token
from tests.live_server import LiveServer, free_port, server_on


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on the migrated test database."""
    with server_on(database_url, tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture
def tokens():
    """Fresh tokens for example.com by what they may do."""
    return {
        "read-write": make_token(scopes=(READ, WRITE)),
        "read": make_token(scopes=(READ,)),
        "write": make_token(scopes=(WRITE,)),
        "platform": make_token(scopes=(PLATFORM,)),
        "other-domain": make_token(domains=("example.org",), scopes=(READ, WRITE, PLATFORM)),
    }


class ServerWithoutDatabase(LiveServer):
    """The production server with its database unreachable: every request that needs the
    database is answered 503 with `Retry-After`, and logged as "database unavailable"."""

    def refusals(self) -> int:
        """How many requests it has answered 503 so far."""
        return self.log_path.read_text().count("database unavailable")


@pytest.fixture(scope="module")
def server_without_database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-database")
    nothing_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/cache"
    server = ServerWithoutDatabase(
        {"CACHE_DATABASE_URL": nothing_listens, "CACHE_JWT_SECRET": SECRET,
         "CACHE_INSTANCE_PATH": str(folder)},
        workers=1, log_path=folder / "gunicorn.log")
    with server:
        yield server
