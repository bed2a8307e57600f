"""A live gunicorn server for the contract tests, and a count of what they sent."""

import collections

import pytest

from tests.conftest import SECRET
from tests.live_server import LiveServer

# Requests sent per test and operation, reported at the end of the run.
SENT: collections.Counter = collections.Counter()


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on the migrated test database."""
    folder = tmp_path_factory.mktemp("live")
    server = LiveServer(
        {"CACHE_DATABASE_URL": database_url, "CACHE_JWT_SECRET": SECRET,
         "CACHE_INSTANCE_PATH": str(folder)},
        log_path=folder / "gunicorn.log",
    )
    with server:
        yield server


def pytest_terminal_summary(terminalreporter):
    if not SENT:
        return
    terminalreporter.section("schemathesis requests")
    for (test, operation), count in sorted(SENT.items()):
        terminalreporter.write_line(f"{count:6d}  {test}  {operation}")
    terminalreporter.write_line(
        f"{sum(SENT.values()):6d}  in all, over {len({op for _, op in SENT})} operations"
    )
