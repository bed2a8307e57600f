"""A live gunicorn server for the clients' tests, and clients of it with the tests' tokens."""

import pytest

from tests.conftest import PLATFORM, READ, WRITE, make_token
from tests.live_server import server_on


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
