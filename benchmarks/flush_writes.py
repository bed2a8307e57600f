"""What the use tally's flush writes, counted rather than timed: per 1,000 decisions, the
rows and statements it sends and the database pages they dirty (SQLite's WAL frames),
with the benchmark's worst case, keys drawn at random from the 1.1 M seeded entries.

    .venv/bin/python benchmarks/flush_writes.py [--decisions 2000] [--windows 5]

It copies the cached SQLite seed (benchmarks/seed.py; built if missing), then per flush
window records `--decisions` applied decisions on random entries in a UsageRecorder of
the source tree it runs from and flushes it, as a worker does every
CACHE_USAGE_FLUSH_SECONDS. Counts do not depend on the machine's load, so one run of
each tree compares them; to measure the code before a change, run it from that tree:

    git archive main | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/flush_writes.py
"""

import argparse
import inspect
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

import seed
from app.storage.db import make_engine
from app.storage.tally import UsageRecorder

BENCH = Path(__file__).resolve().parent
WAL_FRAME_HEADER = 24


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2000, help="per flush window")
    parser.add_argument("--windows", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cache-flush-") as folder:
        database = Path(folder) / "bench.sqlite3"
        print(f"sqlite: {seed.seed_sqlite(BENCH / 'results' / 'cache', database)}", flush=True)
        engine = make_engine(f"sqlite:///{database}")

        @event.listens_for(engine, "connect")
        def keep_the_wal(dbapi_connection, _record):
            # No checkpoint while measuring, so that the WAL holds every page written.
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

        sent = {"statements": 0, "rows": 0}

        @event.listens_for(engine, "before_cursor_execute")
        def count(_connection, _cursor, statement, parameters, _context, executemany):
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                sent["statements"] += 1
                sent["rows"] += len(parameters) if executemany else 1

        page_size = sqlite3.connect(database).execute("PRAGMA page_size").fetchone()[0]
        recorder = UsageRecorder(engine, 3600)
        # The tree before issue 21 counts per number; this one per entry version (the seed's
        # entries are version 1).
        versioned = "entry_version" in inspect.signature(recorder.record).parameters
        wal = Path(f"{database}-wal")
        generator = random.Random(21)
        frames, per_window = 0, []
        for _ in range(arguments.windows):
            now = int(time.time())
            for _ in range(arguments.decisions):
                domain = seed.domain_name(generator.randrange(seed.DOMAINS))
                number = seed.number(generator.randrange(seed.NUMBERS_PER_DOMAIN))
                if versioned:
                    recorder.record(domain, number, 1, "timeout", now)
                else:
                    recorder.record(domain, number, "timeout", now)
            before = wal.stat().st_size if wal.exists() else 0
            recorder.flush()
            written = (wal.stat().st_size - before) // (page_size + WAL_FRAME_HEADER)
            frames += written
            per_window.append(written * 1000 / arguments.decisions)
        engine.dispose()
    decisions = arguments.decisions * arguments.windows
    per_1000 = 1000 / decisions
    print(f"{os.environ.get('PYTHONPATH') or 'this tree'}: {decisions:,} decisions on random "
          f"entries in {arguments.windows} flush windows: per 1,000 decisions "
          f"{sent['rows'] * per_1000:.0f} rows in {sent['statements'] * per_1000:.1f} statements, "
          f"{frames * per_1000:.0f} pages of {page_size} bytes written (WAL frames); "
          f"first window {per_window[0]:.0f}, last {per_window[-1]:.0f} pages per 1,000")


if __name__ == "__main__":
    main()
