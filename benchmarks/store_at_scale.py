"""How get-by-key, list-by-domain and purge behave with millions of rows (PostgreSQL).

    .venv/bin/python benchmarks/store_at_scale.py [--rows 2000000] [--admin-url URL]

Creates a scratch database, migrates it, fills the IVR cache with `rows` entries
(100 numbers per domain, a tenth of them expired), prints query plans and
timings, then drops the database. Prints figures; asserts nothing.
"""

import argparse
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.storage import migrate, purge, store

import seed

NUMBERS_PER_DOMAIN = 100


def timed(function, repeat: int) -> tuple[float, float]:
    """Median and worst wall time of `function`, in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()

    with seed.scratch_database(arguments.admin_url) as url:
        run(url, arguments.rows)


def run(url: str, rows: int) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    now = int(time.time())
    started = time.perf_counter()
    with engine.begin() as connection:
        # Every tenth entry is expired; the rest live for a day.
        connection.execute(text(
            "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, updated_at) "
            "SELECT 'd' || (i / :per) || '.example.com', '+46' || lpad((i % :per)::text, 8, '0'), "
            "'always', '{\"action\": {\"type\": \"hangup\"}}', "
            "CASE WHEN i % 10 = 0 THEN :now - 1 ELSE :now + 86400 END, :now "
            "FROM generate_series(0, :rows - 1) AS i"
        ), {"per": NUMBERS_PER_DOMAIN, "now": now, "rows": rows})
        connection.execute(text("ANALYZE ivr_fallback"))
    print(f"filled {rows:,} rows in {time.perf_counter() - started:.1f} s")

    domain = f"d{rows // NUMBERS_PER_DOMAIN // 2}.example.com"
    with Session(engine) as session:
        for label, statement in (
            ("get by key", "SELECT * FROM ivr_fallback WHERE domain = :d AND number = '+4600000042' "
                           "AND expires_at > :now"),
            ("list by domain", "SELECT number FROM ivr_fallback WHERE domain = :d "
                               "AND expires_at > :now ORDER BY number"),
        ):
            plan = session.execute(text(f"EXPLAIN {statement}"), {"d": domain, "now": now})
            print(f"{label} plan: " + " / ".join(row[0].strip() for row in plan))
        get_ms = timed(lambda: store.get_ivr_fallback(session, domain, "+4600000042", now), 200)
        list_ms = timed(lambda: store.live_numbers_json(session, domain, now), 200)
        session.rollback()
    print(f"get by key: median {get_ms[0]:.3f} ms, worst {get_ms[1]:.3f} ms (200 runs)")
    print(f"list by domain ({NUMBERS_PER_DOMAIN} numbers, 90 live): median {list_ms[0]:.3f} ms, "
          f"worst {list_ms[1]:.3f} ms (200 runs)")

    batch_ms: list[float] = []
    with Session(engine) as session:
        original_commit = session.commit

        def timed_commit() -> None:
            original_commit()
            batch_ms.append((time.perf_counter() - batch_started[0]) * 1000)
            batch_started[0] = time.perf_counter()

        batch_started = [time.perf_counter()]
        session.commit = timed_commit
        started = time.perf_counter()
        purged = purge.purge_expired(session, now)
    print(f"purge: {purged:,} expired rows in {time.perf_counter() - started:.1f} s, "
          f"{len(batch_ms)} batches of {purge.PURGE_BATCH_ROWS}, each transaction: median "
          f"{statistics.median(batch_ms):.1f} ms, worst {max(batch_ms):.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
