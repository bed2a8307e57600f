"""The Python examples of the README's Clients section and of docs/clients.md run as
written against a live gunicorn (only the server's address replaced)."""

import contextlib
import io
import re

import pytest

pytest.importorskip(
    "cache_api_client",
    reason="the Python client is not installed: pip install ./clients/python "
    "(tox -e clients-python does)",
)

from cache_api_client import CacheClient, models  # noqa: E402
from cache_api_client.api.cache import ivr_fallback_set_entry  # noqa: E402

from tests.live_server import ROOT  # noqa: E402

DOCUMENTED_URL = "http://127.0.0.1:8080"


def block(path, heading: str, language: str) -> str:
    """The first `language` code block after `heading` in the Markdown file at `path`."""
    text = (ROOT / path).read_text()
    after = text[text.index(f"\n{heading}\n"):]
    return re.search(rf"^```{language}\n(.*?)^```$", after, re.MULTILINE | re.DOTALL)[1]


def run(code: str, server, **names) -> list[str]:
    """Run `code` with `names` defined, against `server`; return the lines it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code.replace(DOCUMENTED_URL, server.url), dict(names))  # noqa: S102
    return printed.getvalue().splitlines()


def expected(code: str) -> list[str]:
    """What the block says it prints: its comment lines right after a print's."""
    return [line.removeprefix("# ") for line in code.splitlines()
            if line.startswith("# ") and not line.rstrip().endswith((".", ":"))]


def test_the_readme_example(live_server, database_url, tokens):
    client = CacheClient(live_server.url, token=tokens["read-write"])
    ivr_fallback_set_entry.sync("example.com", "+46701234567", client=client,
                                body=models.FallbackSettings(
                                    mode=models.Mode.ALWAYS,
                                    command=models.FallbackInstruction(action=models.Action(
                                        type_=models.ActionType.HANGUP))))

    [line] = run(block("README.md", "## Clients", "python"), live_server,
                 TOKEN=tokens["read-write"])

    mode, ttl = line.split()
    assert mode == "always" and int(ttl) > 0


def test_the_walkthrough_in_python(live_server, database_url, tokens):
    code = block("docs/clients.md", "### The walkthrough in Python", "python")

    printed = run(code, live_server, TOKEN=tokens["read-write"],
                  PLATFORM_TOKEN=tokens["platform"])

    assert printed == expected(code)
