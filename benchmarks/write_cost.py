"""CPU cost of one versioned write (app/storage/history.set_entry), without a server.

    .venv/bin/python benchmarks/write_cost.py [DATABASE_URL]

On a fresh SQLite file by default, or on the (empty) database DATABASE_URL names, migrated
here: 300 writes to warm up, then 5 rounds of 1,500 writes over 500 numbers, one thread;
prints the median CPU time per write (the whole transaction: counter, entry, history).
The figure to compare before and after a change of the write's statements.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.storage import history, migrate  # noqa: E402
from app.storage.db import make_engine  # noqa: E402

CHANGE = history.Change("onError", {
    "action": {"type": "call", "destAddr": "sip:desk@pbx.example.com", "maxRingTime": 30},
    "phrases": [{"fileName": "closed.wav", "format": "wav"}],
}, 2_000_000_000)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/write.sqlite3"
    migrate.upgrade(url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)

    def run(writes: int, offset: int) -> float:
        cpu = time.process_time()
        for index in range(writes):
            with sessions() as session:
                history.set_entry(session, "d.example.com", f"+1{(offset + index) % 500}",
                                  CHANGE, by="bench", now=1_800_000_000)
        return (time.process_time() - cpu) / writes * 1e6

    run(300, 0)
    rounds = [run(1500, number * 1500) for number in range(5)]
    print(f"set_entry CPU per write: {statistics.median(rounds):.0f} µs "
          f"(rounds {', '.join(f'{value:.0f}' for value in rounds)})")


if __name__ == "__main__":
    main()
