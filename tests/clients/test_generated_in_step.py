"""The committed clients are what the specs generate: a spec changed without them fails.

`tools/generate_clients.py --check` regenerates into a temporary folder and
compares. The TypeScript half needs clients/typescript/node_modules (npm), so it
runs in the `clients-typescript` environment (test_typescript_client.py).
"""

import subprocess
import sys

import pytest

from tests.live_server import ROOT

pytest.importorskip(
    "openapi_python_client",
    reason="openapi-python-client is not installed: pip install -e '.[client]' "
    "(tox -e clients-python does)",
)


def check(*languages: str) -> subprocess.CompletedProcess:
    only = [argument for language in languages for argument in ("--only", language)]
    return subprocess.run([sys.executable, "tools/generate_clients.py", "--check", *only],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_python_client_is_as_the_specs_generate_it():
    result = check("python")

    assert result.returncode == 0, result.stdout + result.stderr
