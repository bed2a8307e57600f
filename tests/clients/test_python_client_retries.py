"""Retry-After through the Python client: a live gunicorn whose database is unreachable
(conftest.py's `server_without_database`, which counts the requests it refused)."""

import time

import pytest

pytest.importorskip(
    "cache_api_client",
    reason="the Python client is not installed: pip install ./clients/python "
    "(tox -e clients-python does)",
)

from cache_api_client import CacheClient, ProblemError, models  # noqa: E402
from cache_api_client.api.cache import (  # noqa: E402
    ivr_fallback_get_entry,
    ivr_fallback_set_entry,
    siprec_fallback_delete_entry,
)

from tests.helpers import make_token  # noqa: E402

DOMAIN, NUMBER = "example.com", "+46701234567"
HANGUP = models.FallbackSettings(
    mode=models.Mode.ALWAYS,
    command=models.FallbackInstruction(action=models.Action(type_=models.ActionType.HANGUP)))


def sent(server, call) -> tuple[int, ProblemError, float]:
    """How many times `call` sent its request, the error it raised, and how long it took."""
    before = server.refusals()
    started = time.monotonic()
    with pytest.raises(ProblemError) as raised:
        call()
    elapsed = time.monotonic() - started
    return server.refusals() - before, raised.value, elapsed


def test_a_read_is_sent_again_after_retry_after_then_raises(server_without_database):
    client = CacheClient(server_without_database.url, token=make_token(), retries=2,
                         max_retry_wait=0.2)

    count, error, _ = sent(server_without_database,
                           lambda: ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=client))

    assert count == 3
    assert error.status == 503 and int(error.headers["Retry-After"]) > 0


def test_the_wait_is_the_servers_retry_after(server_without_database):
    client = CacheClient(server_without_database.url, token=make_token(), retries=1)

    count, error, elapsed = sent(server_without_database,
                                 lambda: siprec_fallback_delete_entry.sync(DOMAIN, NUMBER,
                                                                           client=client))

    assert count == 2
    assert elapsed >= int(error.headers["Retry-After"])


def test_a_post_is_sent_once(server_without_database):
    client = CacheClient(server_without_database.url, token=make_token(), retries=2,
                         max_retry_wait=0.2)

    count, error, _ = sent(server_without_database, lambda: ivr_fallback_set_entry.sync(
        DOMAIN, NUMBER, client=client, body=HANGUP))

    assert count == 1 and error.status == 503


def test_no_retries_when_asked_for_none(server_without_database):
    client = CacheClient(server_without_database.url, token=make_token(), retries=0)

    count, error, _ = sent(server_without_database,
                           lambda: ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=client))

    assert count == 1 and error.status == 503
