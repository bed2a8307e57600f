"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the real server."""

from pathlib import Path

import pytest

from tests.browser.helpers import CHROMIUM_ARGS, TIMEOUT_MS, chromium_executable, watch_csp
from tests.live_server import ROOT, server_on

ARTIFACTS_DIR = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A new page in its own browser context (no cookies or storage shared between tests),
    its CSP violations kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    watch_csp(context)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def live_server(database_url, tmp_path_factory):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on the migrated test database.

    A test that writes must also ask for `database_url`, so that the tables are
    emptied after it (tests/conftest.py, `empty_tables`).
    """
    folder = tmp_path_factory.mktemp("live-server")
    server = server_on(database_url, folder, workers=1)
    with server:
        yield server


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """`test-artifacts/` at the repository root (git ignores it): screenshots for people."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


def pytest_sessionfinish(session, exitstatus):
    """Without Chromium every test skips at collection, which pytest ends with exit code 5
    ("no tests ran"): that is the documented skip, not a failure of the environment."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.testscollected == 0 \
            and chromium_executable() is None:
        session.exitstatus = pytest.ExitCode.OK
