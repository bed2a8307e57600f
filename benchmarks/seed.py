"""The benchmark's dataset, and filling a migrated database with it fast (not through the API).

1,000 domains `d0.example.com` .. `d999.example.com` with 1,000 numbers each
(`+1555000000` .. `+1555000999`), plus `big.example.com` with 100,000 numbers
(`+1555000000` .. `+1555099999`): 1.1 M IVR fallback entries. A quarter of the
entries are `always`, the rest `onError`; each forwards to the domain's PBX
after a prompt. Nothing expires for a year. benchmarks/load.lua picks keys
from the same ranges (the runner passes it these constants).
"""

import contextlib
import json
import secrets
import shutil
import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from app.storage import migrate

DOMAINS = 1000
NUMBERS_PER_DOMAIN = 1000
BIG_DOMAIN = "big.example.com"
BIG_DOMAIN_NUMBERS = 100_000
NUMBER_PREFIX = "+1555"
ROWS = DOMAINS * NUMBERS_PER_DOMAIN + BIG_DOMAIN_NUMBERS
# Bump when the rows below change, so that a cached SQLite seed is rebuilt.
SEED_VERSION = 1
LIFETIME_SECONDS = 365 * 86_400
# A cached seed is reused only while its entries stay unexpired this much longer.
MIN_REMAINING_SECONDS = 30 * 86_400
BATCH_ROWS = 50_000
COLUMNS = ("domain", "number", "mode", "command", "expires_at", "updated_at", "updated_by")


def domain_name(index: int) -> str:
    return f"d{index}.example.com"


def number(index: int) -> str:
    return f"{NUMBER_PREFIX}{index:06d}"


def command_for(domain: str) -> dict:
    """What a customer typically caches: a prompt, then forward to the office PBX."""
    return {
        "action": {"type": "call", "destAddr": f"sip:desk@pbx.{domain}", "maxRingTime": 30},
        "phrases": [{"fileName": "closed.wav", "format": "wav"}],
    }


def rows(now: int):
    """Yield every entry as a tuple in COLUMNS order, the command already JSON text."""
    expires_at = now + LIFETIME_SECONDS
    domains = [(domain_name(i), NUMBERS_PER_DOMAIN) for i in range(DOMAINS)]
    for domain, count in domains + [(BIG_DOMAIN, BIG_DOMAIN_NUMBERS)]:
        command = json.dumps(command_for(domain))
        for index in range(count):
            mode = "always" if index % 4 == 0 else "onError"
            yield (domain, number(index), mode, command, expires_at, now, "bench-seed")


def seed_sqlite(cache_folder: Path, destination: Path) -> str:
    """Copy a seeded SQLite database to `destination` (building the cached seed if needed).

    The cached seed stays pristine: the benchmark's writes go to the copy.
    Returns how the seed was obtained, for the log.
    """
    cache_folder.mkdir(parents=True, exist_ok=True)
    cached = cache_folder / f"seed-{migrate.head_revision()}-v{SEED_VERSION}.sqlite3"
    how = "reused the cached seed"
    if not _usable(cached):
        started = time.perf_counter()
        partial = cached.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        migrate.upgrade(f"sqlite:///{partial}")
        connection = sqlite3.connect(partial)
        # The service runs it in WAL (app/storage/db.py); the mode is stored in the file.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        statement = (
            f"INSERT INTO ivr_fallback ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        with connection:
            batch = []
            for row in rows(int(time.time())):
                batch.append(row)
                if len(batch) == BATCH_ROWS:
                    connection.executemany(statement, batch)
                    batch.clear()
            connection.executemany(statement, batch)
        connection.execute("ANALYZE")
        # Closing the last connection checkpoints the WAL into the main file.
        connection.close()
        partial.rename(cached)
        how = f"seeded {ROWS:,} rows in {time.perf_counter() - started:.1f} s"
    shutil.copyfile(cached, destination)
    return how


def _usable(cached: Path) -> bool:
    if not cached.exists():
        return False
    connection = sqlite3.connect(cached)
    try:
        count, soonest = connection.execute(
            "SELECT count(*), min(expires_at) FROM ivr_fallback"
        ).fetchone()
    finally:
        connection.close()
    return count == ROWS and soonest - time.time() > MIN_REMAINING_SECONDS


def seed_postgresql(url: str) -> str:
    """Migrate the (empty, scratch) database at `url` and COPY the dataset into it."""
    started = time.perf_counter()
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(f"COPY ivr_fallback ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(int(time.time())):
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        # What autovacuum would have done by the time a real table serves traffic.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE ivr_fallback"))
    finally:
        engine.dispose()
    return f"seeded {ROWS:,} rows in {time.perf_counter() - started:.1f} s"


@contextlib.contextmanager
def scratch_database(admin_url: str):
    """A new, empty PostgreSQL database on the admin URL's server: its URL, dropped after."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"cache_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
