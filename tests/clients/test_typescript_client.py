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

import httpx
import pytest

from tests.live_server import ROOT

PACKAGE = ROOT / "clients" / "typescript"
# npm waits for ever on a registry it cannot reach; a hung install counts as "no npm here".
INSTALL_TIMEOUT_SECONDS = 300
# How npm says that it could not connect to its registry (rather than that a package failed).
NETWORK_ERRORS = re.compile(r"\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH)\b")


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
    unreachable = NETWORK_ERRORS.search(result.stderr)
    if result.returncode != 0 and unreachable:
        pytest.skip(f"npm cannot reach its registry ({unreachable[0]}), so the TypeScript "
                    "client was not tested")
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


def test_the_readme_example_runs_from_the_packed_package(built, live_server, database_url,
                                                          tokens, tmp_path):
    """`npm pack`, installed into an empty project, runs the README's example as written."""
    packed = run("npm", "pack", "--pack-destination", str(tmp_path), "--loglevel=error")
    assert packed.returncode == 0, packed.stdout + packed.stderr
    [tarball] = tmp_path.glob("cache-api-client-*.tgz")
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "newcomer", "type": "module"}\n')
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", str(tarball)],
        cwd=project, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"^```ts\n(.*?)^```$", readme[readme.index("\n## Clients\n"):],
                        re.MULTILINE | re.DOTALL)[1]
    (project / "example.mjs").write_text(
        "const TOKEN = process.env.TOKEN;\n"
        + example.replace("http://127.0.0.1:8080", live_server.url))
    token = tokens["read-write"]
    httpx.post(f"{live_server.url}/cache/example.com/ivrfallback/+46701234567",
               headers={"Authorization": f"Bearer {token}"},
               json={"mode": "always", "command": {"action": {"type": "hangup"}}}
               ).raise_for_status()

    result = subprocess.run(["node", "example.mjs"], cwd=project, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "TOKEN": token})

    assert result.returncode == 0, result.stdout + result.stderr
    mode, ttl = result.stdout.split()
    assert mode == "always" and int(ttl) > 0
