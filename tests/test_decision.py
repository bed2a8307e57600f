"""The call-time decision rule, on its own, against the contract's table."""

import pytest

from app.decision import FAILED_OUTCOMES, OUTCOMES, Entry, decide

COMMAND = {"action": {"type": "hangup"}, "phrases": [{"fileName": "a.wav"}]}

# (mode, outcome) -> applies, reason; every row of the contract's table.
TABLE = {
    ("always", "not-asked"): (True, "always"),
    ("always", "answered"): (True, "always"),
    ("always", "timeout"): (True, "always"),
    ("always", "error"): (True, "always"),
    ("always", "unreachable"): (True, "always"),
    ("always", "invalid"): (True, "always"),
    ("onError", "not-asked"): (False, "customer-answered"),
    ("onError", "answered"): (False, "customer-answered"),
    ("onError", "timeout"): (True, "customer-failed"),
    ("onError", "error"): (True, "customer-failed"),
    ("onError", "unreachable"): (True, "customer-failed"),
    ("onError", "invalid"): (True, "customer-failed"),
}


def test_the_table_covers_every_mode_and_outcome():
    assert set(TABLE) == {(mode, outcome) for mode in ("always", "onError") for outcome in OUTCOMES}
    assert FAILED_OUTCOMES == {"timeout", "error", "unreachable", "invalid"}


@pytest.mark.parametrize(("mode", "outcome"), TABLE)
def test_decision_follows_the_table(mode, outcome):
    applies, reason = TABLE[mode, outcome]
    answer = decide(Entry(mode, 2_000_000_000, COMMAND), outcome)
    if applies:
        assert answer == {"apply": True, "reason": reason, "mode": mode, "ttl": 2_000_000_000,
                          "command": COMMAND}
        assert answer["command"] is COMMAND  # handed back as stored, not rebuilt
    else:
        assert answer == {"apply": False, "reason": reason}


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_no_entry_never_applies(outcome):
    assert decide(None, outcome) == {"apply": False, "reason": "no-entry"}
