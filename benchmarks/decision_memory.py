"""What the decision memory (app/decision_memory.py) costs a decision, by timeit.

    .venv/bin/python benchmarks/decision_memory.py

A memory full of 20,000 entries; a number read again (unchanged), a new one (evicting
the oldest), forgetting a number it does not hold, and a recall (used only in outages).
"""

import timeit

from app.decision import Entry
from app.decision_memory import DecisionMemory

COMMAND = {"action": {"type": "call", "destAddr": "sip:desk@pbx.example.com", "maxRingTime": 30},
           "phrases": [{"fileName": "closed.wav", "format": "wav"}]}
ENTRY = Entry("onError", 2_000_000_000, COMMAND)
DOMAIN = "example.com"


def per_call(call, number: int) -> float:
    """Microseconds per call, the best of five runs."""
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def main() -> None:
    memory = DecisionMemory(3600, 20_000, 16 * 1024 * 1024)
    for index in range(20_000):
        memory.remember(DOMAIN, f"+4670{index:06d}", ENTRY, 1, 1, 100)
    again = per_call(lambda: memory.remember(DOMAIN, "+4670019999", ENTRY, 1, 1, 100), 200_000)
    recall = per_call(lambda: memory.recall(DOMAIN, "+4670019999", 150), 100_000)
    new_numbers = iter([f"+4680{index:07d}" for index in range(250_000)])
    new = per_call(lambda: memory.remember(DOMAIN, next(new_numbers), ENTRY, 1, 1, 100), 40_000)
    forget = per_call(lambda: memory.forget(DOMAIN, "+4699"), 200_000)
    print(f"read again {again:.2f} µs, new entry (evicting the oldest) {new:.2f} µs, "
          f"forget an absent number {forget:.2f} µs, recall {recall:.2f} µs "
          f"({len(memory)} entries, {memory.bytes / len(memory):.0f} bytes counted each)")


if __name__ == "__main__":
    main()
