"""How long `cache-api import` takes for a large file, and what it does to writers
of the same rows meanwhile (PostgreSQL).

    .venv/bin/python benchmarks/import_at_scale.py [--entries 100000] [--batch-size 500]
        [--admin-url URL]

Creates a scratch database, migrates it, writes an export document of `entries`
call entries, runs `cache-api import` on it twice (the second run replaces every
entry, so its batches conflict with existing rows) while a thread times the
call-time read and a usage-style UPDATE of an entry in the file, then drops the
database. Prints figures; asserts nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.storage import migrate, store

import seed

DOMAIN = "bench.example"


def document(entries: int, now: int) -> dict:
    return {"entries": [
        {"number": f"+46{index:09d}", "mode": "onError", "ttl": now + 86_400 * 30, "command": {
            "action": {"type": "call", "destAddr": f"sip:desk{index}@pbx.example.com",
                       "sipFrom": "sip:+4670@example.com", "maxRingTime": 30,
                       "xHeaders": {"X-Fallback": "true"}},
            "phrases": [{"fileName": "closed.wav", "format": "wav"}]}}
        for index in range(entries)
    ]}


def probe(url: str, numbers: list[str], stop: threading.Event, samples: dict) -> None:
    """Time a call-time read and a one-row UPDATE (what the usage flush does) in a loop."""
    engine = create_engine(url)
    index = 0
    while not stop.is_set():
        number = numbers[index % len(numbers)]
        index += 997
        with Session(engine) as session:
            started = time.perf_counter()
            store.ivr_decision_entry(session, DOMAIN, number, int(time.time()))
            samples["read"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            session.execute(text("UPDATE ivr_fallback SET use_count = use_count + 1 "
                                 "WHERE domain = :d AND number = :n"), {"d": DOMAIN, "n": number})
            session.commit()
            samples["update"].append((time.perf_counter() - started) * 1000)
        time.sleep(0.002)
    engine.dispose()


def run_import(url: str, path: Path, numbers: list[str], batch: int) -> tuple[float, dict]:
    samples = {"read": [], "update": []}
    stop = threading.Event()
    thread = threading.Thread(target=probe, args=(url, numbers, stop, samples))
    thread.start()
    started = time.perf_counter()
    command = Path(sys.executable).parent / "cache-api"
    subprocess.run([str(command), "import", "--domain", DOMAIN, "--batch-size", str(batch),
                    str(path)],
                   env={**os.environ, "CACHE_DATABASE_URL": url}, check=True,
                   stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    return elapsed, samples


def describe(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    return (f"{len(ordered)} samples, median {statistics.median(ordered):.2f} ms, "
            f"p99 {ordered[int(len(ordered) * 0.99)]:.2f} ms, max {ordered[-1]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--admin-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()

    with seed.scratch_database(arguments.admin_url) as url:
        migrate.upgrade(url)
        doc = document(arguments.entries, int(time.time()))
        numbers = [entry["number"] for entry in doc["entries"]]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "entries.json"
            path.write_text(json.dumps(doc))
            print(f"{arguments.entries} entries, {path.stat().st_size / 2**20:.1f} MiB file")
            for label in ("into an empty domain", "replacing every entry"):
                elapsed, samples = run_import(url, path, numbers, arguments.batch_size)
                print(f"import {label}: {elapsed:.1f} s "
                      f"({arguments.entries / elapsed:,.0f} entries/s)")
                print(f"  call-time read meanwhile: {describe(samples['read'])}")
                print(f"  one-row UPDATE meanwhile: {describe(samples['update'])}")
        engine = create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM ivr_fallback_history")).scalar()
        engine.dispose()
        print(f"history rows: {rows}")


if __name__ == "__main__":
    main()
