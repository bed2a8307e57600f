"""The call-time decision: the platform asks before (and after) asking the customer.

The service's hottest path: one primary-key lookup, no ORM objects, no writes
(use is tallied in memory by app/storage/tally.py), and 200 for every normal answer.
When no database answers, a number this worker read lately is decided from its
memory (app/decision_memory.py), marked `Cache-Stale`; any other is a 503.
"""

from flask import current_app, g
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app import clock, decision
from app.storage import store
from app.api import json_response
from app.storage.db import STALE_HEADER, read_session

DECISIONS = Counter(
    "cache_fallback_decisions_total",
    "Call-time fallback decisions, by the outcome asked about and whether one applied.",
    ["outcome", "applied"],
)
REMEMBERED_DECISIONS = Counter(
    "cache_remembered_decisions_total",
    "Call-time decisions answered from a worker's memory because no database answered.",
)


def decide(domain: str, number: str, outcome: str, status: int | None = None):
    # `status` (the customer's HTTP or SIP status) is validated by the spec; the
    # rule does not depend on it.
    domain = domain.lower()
    now = clock.now()
    memory = current_app.extensions["cache_decision_memory"]
    headers = None
    try:
        entry, entry_version, version = store.ivr_call_time_entry(
            read_session(), domain, number, now)
    except (DBAPIError, PoolTimeout):
        remembered = memory.recall(domain, number, now)
        if remembered is None:
            raise  # the usual 503
        entry, entry_version, age = remembered
        REMEMBERED_DECISIONS.inc()
        headers = {STALE_HEADER: str(age)}
    else:
        if entry is None:
            memory.forget(domain, number)
        else:
            # An answer from the replica is as old as its lag (`Cache-Stale`) already.
            lag = g.get("db_stale", "0")
            memory.remember(domain, number, entry, entry_version, version,
                            now - int(lag) if lag.isdigit() else now)
    answer = decision.decide(entry, outcome)
    applied = answer["apply"]
    DECISIONS.labels(outcome, "true" if applied else "false").inc()
    if applied:
        # Remembered ones too: the platform ran that fallback, and the tally keeps its
        # counts until the database takes them again (app/storage/tally.py).
        current_app.extensions["cache_usage"].record(domain, number, entry_version, outcome,
                                                     now)
    return json_response(answer, headers=headers)
