"""Database plumbing: the declarative base, the engines, and per-request sessions.

Writes always go to the primary (`session()`). Reads that must keep answering
when the primary is gone ask for `read_session()`: the primary's session while
it answers, else the replica's (CACHE_DATABASE_READ_URL), and the answer is
marked stale (`Cache-Stale`). Handlers never choose an engine themselves.
"""

import logging
import math
import sqlite3
import threading
import time

import psycopg

from flask import current_app, g
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, MetaData, String, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import POOLERS
from app.serving.bridge import THREADS as FLASK_THREADS

# Stable constraint names, so that migrations can name what they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How long a request waits for the database before it is answered with 503.
CONNECT_TIMEOUT_SECONDS = 2
# Connections each process keeps open: as many as requests it runs at once (the
# thread pool Flask runs on, and the call-time lookup on the event loop's thread:
# app/serving/bridge.py). With fewer, the requests beyond them opened a connection
# each and closed it after: under load on PostgreSQL that churn gave a p99 of
# 1.2-1.6 s and connect timeouts (503s).
POOL_SIZE = FLASK_THREADS + 1
STATEMENT_TIMEOUT_MS = 2000
# How long a SQLite writer waits for the database's write lock before its request is a 503.
SQLITE_BUSY_TIMEOUT_SECONDS = 5
WRITE_LOCK = "cache_sqlite_write_lock"  # session.info key: the session holds it
# A database host that vanishes (no reset, no answer) is found by the client, not only
# by the server's timeouts: data unacknowledged for 3 s, or a connection silent for 2 s
# whose two keepalive probes a second apart go unanswered, fails the connection. The
# call-time lookups run on each worker's event loop thread (app/serving/bridge.py): a
# wait with no bound would hold the worker until gunicorn kills it (30 s).
TCP_SETTINGS = {"tcp_user_timeout": 3000, "keepalives": 1, "keepalives_idle": 2,
                "keepalives_interval": 1, "keepalives_count": 2}
# After the primary failed, reads go straight to the replica; a background probe
# asks the primary again this often and sends reads back as soon as it answers.
PRIMARY_PROBE_SECONDS = 1.0
# Where a primary connection keeps how many outages had begun when it was opened.
OUTAGES_AT_CONNECT = "cache_outages_at_connect"
# The response header of an answer read from the replica: how many seconds of the
# primary's writes it may be missing (`unknown` when the replica cannot tell).
STALE_HEADER = "Cache-Stale"
# The replica's replay lag, the upper bound of what it may be missing; NULL on a server
# that is not in recovery (a promoted replica is no longer behind anything).
REPLAY_LAG = text(
    "SELECT pg_is_in_recovery(), "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float"
)

log = logging.getLogger(__name__)

REPLICA_READS = Counter(
    "cache_replica_reads_total", "Requests whose reads the replica answered (stale-marked)."
)
REPLICA_READ_LAG = Histogram(
    "cache_replica_read_lag_seconds",
    "The replica's replay lag as a read from it found it (what its answer may be missing).",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def key_string(length: int) -> String:
    """A key column compared and sorted in plain string order on every engine.

    SQLite's default collation is already bytewise; PostgreSQL's follows the
    locale unless told "C".
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def make_engine(url: str, pooler: str | None = None) -> Engine:
    """Create the engine with the settings each backend needs under load.

    `pooler="pgbouncer"`: the URL is a PgBouncer in transaction pooling mode, where
    each transaction may run on another server connection. Nothing may outlive a
    transaction there: no server-side prepared statements (psycopg prepares a
    query after 5 runs) and no session settings, so the statement timeout is set
    per transaction (`SET LOCAL`) instead of in the startup `options`, which
    PgBouncer refuses.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            pool_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    pool = {"pool_size": POOL_SIZE, "pool_pre_ping": True, "pool_timeout": CONNECT_TIMEOUT_SECONDS}
    if pooler is None:
        return create_engine(url, **pool, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS, **TCP_SETTINGS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        })
    if pooler not in POOLERS:
        raise ValueError(f"unknown pooler {pooler!r}; known: {', '.join(POOLERS)}")
    engine = create_engine(url, **pool, connect_args={
        "connect_timeout": CONNECT_TIMEOUT_SECONDS, **TCP_SETTINGS, "prepare_threshold": None,
    })
    event.listen(engine, "connect", _ping_through_pooler)
    event.listen(engine, "begin", _set_local_statement_timeout)
    return engine


def _ping_through_pooler(dbapi_connection, _record) -> None:
    # PgBouncer accepts a login while its server is down; only a query shows that
    # the database is behind it. Pooled connections are pinged on checkout already.
    dbapi_connection.execute("SELECT 1")
    dbapi_connection.rollback()


def _set_local_statement_timeout(connection) -> None:
    # Runs as the transaction's first statement (psycopg sends BEGIN before it) and
    # ends with it, so it never leaks to another client of the pooled server connection.
    statement = f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"
    try:
        connection.connection.dbapi_connection.execute(statement)
    except psycopg.Error as error:
        # Run on the driver's connection, its error is not SQLAlchemy's: wrapped, it is
        # the unreachable database it means (PgBouncer answers query_wait_timeout when
        # no server does; the scale-out test's primary stop met it as a 500).
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers run beside one writer; the busy timeout makes a writer
    # wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _one_writer_at_a_time(write_sessions: sessionmaker) -> None:
    """Let one write transaction of this process at a time ask SQLite for its lock.

    SQLite has one write lock per database; its busy handler makes a writer that
    finds it taken sleep, ever longer, and try again. With every handler thread of a
    process writing, the waiting writers missed the lock again and again, and the
    slowest writes waited for seconds (docs/benchmarks.md, "Writes on SQLite").
    Queued on this lock instead, the next writer starts as soon as the last one ends;
    only the other worker processes' writers still meet the busy handler.

    The lock is taken where SQLite takes its own, at the transaction's first INSERT,
    UPDATE or DELETE (pysqlite begins the transaction there), and held until the
    transaction ends: a session that only reads (a list, an export, /metrics) never
    waits for it nor holds it, as WAL lets reads run beside a writer.
    """
    lock = threading.Lock()

    @event.listens_for(write_sessions, "do_orm_execute")
    def _take(state):
        if not (state.is_insert or state.is_update or state.is_delete) \
                or WRITE_LOCK in state.session.info:
            return
        if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS):
            raise OperationalError("BEGIN (this process's write lock)", None,
                                   sqlite3.OperationalError("database is locked"))
        state.session.info[WRITE_LOCK] = True

    @event.listens_for(write_sessions, "after_transaction_end")
    def _release(session, transaction):
        if transaction.parent is None and session.info.pop(WRITE_LOCK, False):
            lock.release()


def _for_reads(engine: Engine, pooler: str | None) -> Engine:
    """The engine as `read_session()` uses it: in autocommit, on PostgreSQL.

    Its reads are single statements, which see one snapshot either way, and in a
    transaction each cost BEGIN and ROLLBACK round trips besides the SELECT (and
    the pool's ping): 4 round trips per call-time lookup instead of 2
    (docs/decisions/0009-reads-in-autocommit.md). Through PgBouncer they
    keep their transaction, which carries the statement timeout there (SET LOCAL).
    """
    if engine.dialect.name != "postgresql" or pooler is not None:
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class Databases:
    """The primary's session factory, the replica's (if any), and whether the primary is down.

    The primary is taken as down when checking out one of its connections fails
    (the pool pings each one first, so this costs no query of its own), or when a
    statement loses its connection. While it is down, reads go straight to the
    replica instead of waiting for a connect timeout each; one background thread
    per process probes the primary and ends that as soon as it answers. So does a
    statement the primary answers meanwhile on a connection opened since the outage
    began (a write, after which this process's next read would otherwise come from a
    replica that may not have it yet): one sent on an older connection may have been
    answered before the outage, and one of those answering while new connections are
    refused (the primary at its connection limit) must not flip the state back and forth.
    """

    def __init__(self, url: str, read_url: str | None = None, pooler: str | None = None):
        primary_engine = make_engine(url, pooler)
        self.primary = sessionmaker(primary_engine, expire_on_commit=False)
        if primary_engine.dialect.name == "sqlite":
            _one_writer_at_a_time(self.primary)
        self.primary_reads = sessionmaker(_for_reads(primary_engine, pooler),
                                          expire_on_commit=False)
        self.replica = (
            sessionmaker(_for_reads(make_engine(read_url, pooler), pooler), expire_on_commit=False)
            if read_url else None
        )
        self._primary_down = threading.Event()
        self._outages = 0  # how many times the primary was marked down
        self._probing = False
        self._lock = threading.Lock()
        if self.replica is not None:
            event.listen(self.primary_engine, "handle_error", self._on_primary_error)
            event.listen(self.primary_engine, "connect", self._on_primary_connect)
            event.listen(self.primary_engine, "after_cursor_execute", self._on_primary_answer)

    @property
    def primary_engine(self) -> Engine:
        return self.primary.kw["bind"]

    @property
    def replica_engine(self) -> Engine | None:
        return self.replica.kw["bind"] if self.replica is not None else None

    @property
    def primary_down(self) -> bool:
        return self._primary_down.is_set()

    def mark_primary_down(self, reason) -> None:
        with self._lock:
            if self._primary_down.is_set():
                return
            self._outages += 1
            self._primary_down.set()
            # A probe that has not yet seen the primary back (a statement ended the
            # last outage first) goes on probing for this one: one probe per process.
            start_probe = not self._probing
            self._probing = True
        log.warning("primary database unreachable, reading from the replica: %s", reason)
        if start_probe:
            threading.Thread(target=self._probe_primary, name="cache-db-probe",
                             daemon=True).start()

    def mark_primary_up(self) -> None:
        with self._lock:
            if not self._primary_down.is_set():
                return
            self._primary_down.clear()
        log.warning("primary database answers again, reading from it")

    def _probe_primary(self) -> None:
        while True:
            time.sleep(PRIMARY_PROBE_SECONDS)
            with self._lock:
                if not self._primary_down.is_set():
                    self._probing = False
                    return
            try:
                with self.primary_engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except SQLAlchemyError:
                continue  # still down, or no pooled connection free in time: ask again
            except Exception:  # noqa: BLE001 - the probe must outlive any one failure
                log.exception("primary database probe failed")
                continue
            self.mark_primary_up()

    def _on_primary_connect(self, _dbapi_connection, connection_record) -> None:
        connection_record.info[OUTAGES_AT_CONNECT] = self._outages

    def _on_primary_answer(self, connection, *_execution) -> None:
        if (self._primary_down.is_set()
                and connection.info.get(OUTAGES_AT_CONNECT) == self._outages):
            self.mark_primary_up()

    def _on_primary_error(self, context) -> None:
        # A failed ping is followed by a reconnect, which says whether the primary is gone.
        if context.is_disconnect and not context.is_pre_ping:
            self.mark_primary_down(context.original_exception)

    def replica_lag(self, replica_session: Session) -> str:
        """The `Cache-Stale` value of an answer read from the replica: whole seconds, rounded
        up; the read and its lag are counted for /metrics."""
        in_recovery, lag = replica_session.execute(REPLAY_LAG).one()
        REPLICA_READS.inc()
        if not in_recovery:
            lag = 0.0
        if lag is None:
            return "unknown"
        REPLICA_READ_LAG.observe(max(0.0, lag))
        return str(max(0, math.ceil(lag)))


def init_app(flask_app, url: str, read_url: str | None = None, pooler: str | None = None) -> None:
    """Attach the engines and session factories to the Flask app."""
    flask_app.extensions["cache_db"] = Databases(url, read_url, pooler)
    flask_app.teardown_appcontext(_close_sessions)
    flask_app.after_request(_mark_stale)


def engine_of(flask_app) -> Engine:
    """The primary's engine (writes, migrations checks, accounting)."""
    return flask_app.extensions["cache_db"].primary_engine


def replica_engine_of(flask_app) -> Engine | None:
    return flask_app.extensions["cache_db"].replica_engine


def primary_is_down(flask_app) -> bool:
    """Whether this process sends its reads to the replica for now."""
    return flask_app.extensions["cache_db"].primary_down


def session() -> Session:
    """Return this request's session on the primary; it is closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["cache_db"].primary()
    return g.db_session


def read_session() -> Session:
    """This request's session for reading: the primary's while it answers, else the replica's.

    A session of its own, for reads only (in autocommit on PostgreSQL: `_for_reads`);
    what this request wrote through `session()` is not visible to it before the commit.
    With a replica, the primary's connection is checked out here, so that a primary
    that cannot be reached sends this read to the replica (and the answer gets the
    `Cache-Stale` header) instead of a 503.
    """
    if "db_read_session" in g:
        return g.db_read_session
    databases = current_app.extensions["cache_db"]
    if databases.replica is None:
        g.db_read_session = g.db_primary_read_session = databases.primary_reads()
        return g.db_read_session
    if not databases.primary_down:
        primary = g.db_primary_read_session = databases.primary_reads()
        try:
            primary.connection()
        except OperationalError as error:
            g.pop("db_primary_read_session").close()
            databases.mark_primary_down(error.orig)
        else:
            g.db_read_session = primary
            return primary
    replica = g.db_read_session = g.db_replica_session = databases.replica()
    g.db_stale = databases.replica_lag(replica)
    return replica


def _mark_stale(response):
    if "db_stale" in g:
        response.headers[STALE_HEADER] = g.db_stale
    return response


def _close_sessions(_exc) -> None:
    for name in ("db_session", "db_primary_read_session", "db_replica_session"):
        db_session = g.pop(name, None)
        if db_session is not None:
            db_session.close()
    g.pop("db_read_session", None)
    g.pop("db_stale", None)
