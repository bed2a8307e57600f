"""One write transaction at a time per process on SQLite (app/storage/db.py), so that the
handler threads queue for SQLite's write lock instead of sleeping in its busy handler."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, func, insert, select, text

from app.storage.db import Databases

WRITTEN = Table("written", MetaData(), Column("writer", Integer))


@pytest.fixture
def databases(tmp_path):
    databases = Databases(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with databases.primary() as session:
        session.execute(text("CREATE TABLE written (writer INTEGER)"))
        session.commit()
    yield databases
    databases.primary_engine.dispose()


def test_the_writers_of_one_process_queue_here_not_in_sqlites_busy_handler(databases):
    # With SQLite's own wait turned off, a writer that finds the write lock taken fails
    # at once ("database is locked"): none may, since this process's writers take turns.
    event.listen(databases.primary_engine, "connect",
                 lambda connection, _record: connection.execute("PRAGMA busy_timeout=0"))

    def write(writer: int) -> None:
        for _ in range(5):
            with databases.primary() as session:
                session.execute(insert(WRITTEN), {"writer": writer})
                time.sleep(0.002)  # the rest of a write's statements
                session.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))

    with databases.primary() as session:
        assert session.scalar(select(func.count()).select_from(WRITTEN)) == 40


def test_a_session_closed_without_commit_lets_the_next_writer_in(databases):
    abandoned = databases.primary()
    abandoned.execute(insert(WRITTEN).values(writer=1))
    abandoned.close()  # a handler that raised: its request's teardown closes the session

    with databases.primary() as session:
        session.execute(insert(WRITTEN).values(writer=2))
        session.commit()
        assert session.scalars(select(WRITTEN.c.writer)).all() == [2]


def test_a_session_that_only_reads_neither_waits_for_a_writer_nor_holds_them_up(databases):
    writer = databases.primary()
    writer.execute(insert(WRITTEN).values(writer=1))
    reader = databases.primary()  # the write session, used for a read (a list, an export)
    try:
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(lambda: reader.scalar(
                select(func.count()).select_from(WRITTEN))).result(timeout=2) == 0
        writer.commit()
        # The reader's session is still open: a writer after it does not wait for it.
        with ThreadPoolExecutor(1) as pool:
            def write() -> None:
                with databases.primary() as session:
                    session.execute(insert(WRITTEN).values(writer=2))
                    session.commit()
            pool.submit(write).result(timeout=2)
    finally:
        writer.close()
        reader.close()


def test_reads_do_not_wait_for_a_writer(databases):
    writer = databases.primary()
    writer.execute(insert(WRITTEN).values(writer=1))
    try:
        with ThreadPoolExecutor(1) as pool:
            def read() -> int:
                with databases.primary_reads() as session:
                    return session.scalar(select(func.count()).select_from(WRITTEN))
            assert pool.submit(read).result(timeout=2) == 0  # WAL: the last committed state
    finally:
        writer.rollback()
        writer.close()
