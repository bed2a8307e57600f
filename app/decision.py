"""The call-time decision: does an IVR fallback apply to this call, and what to run.

One pure function, used by the platform's call-time path and by the customers'
dry run alike, so that what a customer previews is what the platform does.
"""

from typing import Any, NamedTuple

# What became of asking the customer's system (the `outcome` query parameter).
OUTCOMES = ("not-asked", "answered", "timeout", "error", "unreachable", "invalid")
# The outcomes in which the customer's system failed: an `onError` entry applies.
FAILED_OUTCOMES = frozenset({"timeout", "error", "unreachable", "invalid"})

# Why a fallback applies, or does not.
APPLIES_ALWAYS = "always"
APPLIES_CUSTOMER_FAILED = "customer-failed"
NO_ENTRY = "no-entry"
CUSTOMER_ANSWERED = "customer-answered"


class Entry(NamedTuple):
    """The parts of an unexpired IVR fallback entry that the decision needs."""

    mode: str
    ttl: int
    command: Any


def decide(entry: Entry | None, outcome: str) -> dict:
    """Return the answer for a call to a number whose entry is `entry` (None: no live entry).

    `always` applies whatever the outcome; `onError` only when the customer's
    system failed. The command is handed back exactly as stored.
    """
    if entry is None:
        return {"apply": False, "reason": NO_ENTRY}
    if entry.mode == "always":
        reason = APPLIES_ALWAYS
    elif outcome in FAILED_OUTCOMES:
        reason = APPLIES_CUSTOMER_FAILED
    else:
        return {"apply": False, "reason": CUSTOMER_ANSWERED}
    return {
        "apply": True,
        "reason": reason,
        "mode": entry.mode,
        "ttl": entry.ttl,
        "command": entry.command,
    }
