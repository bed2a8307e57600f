"""The TypeScript client: in step with the specs, type-checked by tsc, and run under Node
(its own fetch) against a live gunicorn: the README's walkthrough, the platform's
decision, an export then import (clients/typescript/test/client.test.ts).

Its packages come from the npm registry at the versions of package-lock.json
(`npm ci`); without npm, or when the registry cannot be reached, it is skipped,
saying so.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.live_server import ROOT

PACKAGE = ROOT / "clients" / "typescript"
# npm waits for ever on a registry it cannot reach; a hung install counts as "no npm here".
INSTALL_TIMEOUT_SECONDS = 300


def run(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PACKAGE, capture_output=True, text=True, timeout=300,
                          **options)


@pytest.fixture(scope="module")
def installed():
    """clients/typescript/node_modules as package-lock.json pins it."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm is not installed (apt-get install npm), so the TypeScript client "
                    "was not tested")
    major = int(re.match(r"v(\d+)", run("node", "--version").stdout)[1])
    if major < 20:
        pytest.skip(f"Node {major} is older than the client's Node 20, so it was not tested")
    try:
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PACKAGE,
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm could not install the client's packages in {INSTALL_TIMEOUT_SECONDS} s "
                    "(is the npm registry reachable?), so the TypeScript client was not tested")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(installed):
    """The client and its test, type-checked and compiled by tsc into dist/."""
    shutil.rmtree(PACKAGE / "dist", ignore_errors=True)
    result = run(str(PACKAGE / "node_modules" / ".bin" / "tsc"), "-p", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_typescript_client_is_as_the_specs_generate_it(installed):
    result = subprocess.run(
        [sys.executable, "tools/generate_clients.py", "--check", "--only", "typescript"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_type_checks(built):
    assert (PACKAGE / "dist" / "src" / "index.d.ts").is_file()


def test_it_runs_on_nodes_own_fetch_against_the_server(built, live_server, database_url, tokens,
                                                       server_without_database):
    env = {
        **os.environ,
        "CACHE_TEST_URL": live_server.url,
        "CACHE_TEST_DOWN_URL": server_without_database.url,
        "CACHE_TEST_TOKEN": tokens["read-write"],
        "CACHE_TEST_PLATFORM_TOKEN": tokens["platform"],
    }

    result = run("node", "--test", "--test-reporter=spec", "dist/test/", env=env)

    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^ℹ pass 5$", result.stdout, re.MULTILINE), result.stdout
    # The retries test: a GET sent twice (retries: 1), a POST once.
    assert server_without_database.refusals() == 3
