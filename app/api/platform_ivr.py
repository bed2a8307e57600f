"""The call-time decision: the platform asks before (and after) asking the customer.

The service's hottest path: one primary-key lookup, no ORM objects, no writes
(use is tallied in memory by app/storage/tally.py), and 200 for every normal answer.
"""

from flask import current_app
from prometheus_client import Counter

from app import clock, decision
from app.storage import store
from app.api import json_response
from app.storage.db import read_session

DECISIONS = Counter(
    "cache_fallback_decisions_total",
    "Call-time fallback decisions, by the outcome asked about and whether one applied.",
    ["outcome", "applied"],
)


def decide(domain: str, number: str, outcome: str, status: int | None = None):
    # `status` (the customer's HTTP or SIP status) is validated by the spec; the
    # rule does not depend on it.
    domain = domain.lower()
    now = clock.now()
    entry, entry_version = store.ivr_call_time_entry(read_session(), domain, number, now)
    answer = decision.decide(entry, outcome)
    applied = answer["apply"]
    DECISIONS.labels(outcome, "true" if applied else "false").inc()
    if applied:
        current_app.extensions["cache_usage"].record(domain, number, entry_version, outcome,
                                                     now)
    return json_response(answer)
