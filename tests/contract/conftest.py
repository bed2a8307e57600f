"""A live gunicorn server for the contract tests, and a count of what they sent."""

import collections

import pytest

from tests.contract.helpers import SENT
from tests.live_server import server_on


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on the migrated test database."""
    folder = tmp_path_factory.mktemp("live")
    server = server_on(database_url, folder)
    with server:
        yield server


def pytest_terminal_summary(terminalreporter):
    """How many requests each operation got, by status: proof the run was not empty."""
    if not SENT:
        return
    terminalreporter.section("schemathesis requests")
    per_operation = collections.defaultdict(collections.Counter)
    for (test, operation, status), count in SENT.items():
        per_operation[(test, operation)][status] += count
    for (test, operation), statuses in sorted(per_operation.items()):
        detail = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
        terminalreporter.write_line(
            f"{sum(statuses.values()):6d}  {test:20} {operation:42} {detail}")
    terminalreporter.write_line(
        f"{sum(SENT.values()):6d}  in all, {len(per_operation)} test operations")
