"""Database plumbing: the declarative base, the engines, and per-request sessions.

Writes always go to the primary (`session()`). Reads that must keep answering
when the primary is gone ask for `read_session()`: the primary's session while
it answers, else the replica's (CACHE_DATABASE_READ_URL), and the answer is
marked stale (`Cache-Stale`). Handlers never choose an engine themselves.
"""

import dataclasses
import functools
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

# Connections each process keeps open: as many as requests it runs at once (the
# thread pool Flask runs on, and the call-time lookup on the event loop's thread:
# app/serving/bridge.py). With fewer, the requests beyond them opened a connection
# each and closed it after: under load on PostgreSQL that churn gave a p99 of
# 1.2-1.6 s and connect timeouts (503s).
POOL_SIZE = FLASK_THREADS + 1
# Connections opened beyond those while all are in use, closed again when returned
# (SQLAlchemy's default); past them a request waits `Timeouts.pool_seconds` at most.
MAX_OVERFLOW = 10
# How long a SQLite writer waits for the database's write lock before its request is a 503.
SQLITE_BUSY_TIMEOUT_SECONDS = 5
WRITE_LOCK = "cache_sqlite_write_lock"  # session.info key: the session holds it
# After a database failed, this process does not wait on it again: reads go to the other
# one (or to the remembered decisions, app/decision_memory.py) and writes are refused at
# once; a background probe asks it again this often and ends that as soon as it answers
# (docs/decisions/0013-bounded-waits-and-remembered-decisions.md).
PROBE_SECONDS = 0.5
# Where a connection keeps how many outages of its database had begun when it was opened.
OUTAGES_AT_CONNECT = "cache_outages_at_connect"
# The execution option that gives a read engine its statement timeout through PgBouncer.
STATEMENT_TIMEOUT_OPTION = "cache_statement_timeout_ms"
SET_LOCAL_STATEMENT_TIMEOUT = "SET LOCAL statement_timeout = {}"
# Where a session keeps the (domain, number) of the entries it wrote (`written`).
WRITTEN_NUMBERS = "cache_written_numbers"
# The response header of an answer read from the replica: how many seconds of the
# primary's writes it may be missing (`unknown` when the replica cannot tell).
STALE_HEADER = "Cache-Stale"
# The replica's replay lag, the upper bound of what it may be missing; NULL on a server
# that is not in recovery (a promoted replica is no longer behind anything).
REPLAY_LAG = text(
    "SELECT pg_is_in_recovery(), "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float"
)


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """How long any wait on the database may last (the CACHE_DATABASE_* settings).

    A database host that vanishes (packets dropped, no reset) is found by the client:
    data unacknowledged for `tcp_ms`, or an idle connection whose keepalive probes go
    unanswered, fails the connection; the statement timeouts bound a database that
    answers slowly. The call-time lookups run on each worker's event loop thread
    (app/serving/bridge.py): a wait with no bound would hold the worker until gunicorn
    kills it.
    """

    connect_seconds: int = 2
    tcp_ms: int = 500
    read_ms: int = 500
    statement_ms: int = 2000
    pool_seconds: float = 0.5

    @classmethod
    def of(cls, settings) -> "Timeouts":
        return cls(settings.database_connect_timeout, settings.database_tcp_timeout_ms,
                   settings.database_read_timeout_ms, settings.database_statement_timeout_ms,
                   settings.database_pool_timeout)

    @property
    def tcp_settings(self) -> dict:
        # Keepalives count whole seconds: an idle connection silent for a second is probed,
        # and tcp_user_timeout then ends it if the probes go unanswered.
        return {"tcp_user_timeout": self.tcp_ms, "keepalives": 1, "keepalives_idle": 1,
                "keepalives_interval": 1, "keepalives_count": 2}

    @property
    def silence_seconds(self) -> float:
        """How long a failing ping waited when the database was silent, not gone: a
        connection the server closed fails at once, silence only after the TCP timeout
        (or PgBouncer's query_wait_timeout)."""
        return self.tcp_ms / 2000


DEFAULT_TIMEOUTS = Timeouts()


class DatabaseDown(Exception):
    """The database is taken as down by this process (see `Tracked`): not asked."""


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


def make_engine(url: str, pooler: str | None = None,
                timeouts: Timeouts = DEFAULT_TIMEOUTS) -> Engine:
    """Create the engine with the settings each backend needs under load.

    On PostgreSQL a connection's own statement timeout is the call-time reads'
    (`timeouts.read_ms`: they run in autocommit, `_for_reads`), and each transaction
    sets the longer one for itself as its first statement (`SET LOCAL`, ended with it).

    `pooler="pgbouncer"`: the URL is a PgBouncer in transaction pooling mode, where
    each transaction may run on another server connection. Nothing may outlive a
    transaction there: no server-side prepared statements (psycopg prepares a
    query after 5 runs) and no session settings, so the startup `options` (which
    PgBouncer refuses) are left out and every transaction, reads included, sets its
    statement timeout (`SET LOCAL`).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            pool_timeout=timeouts.pool_seconds,
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    pool = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW, "pool_pre_ping": True,
            "pool_timeout": timeouts.pool_seconds}
    connect_args = {"connect_timeout": timeouts.connect_seconds, **timeouts.tcp_settings}
    if pooler is None:
        engine = create_engine(url, **pool, connect_args={
            **connect_args, "options": f"-c statement_timeout={timeouts.read_ms}"})
    elif pooler not in POOLERS:
        raise ValueError(f"unknown pooler {pooler!r}; known: {', '.join(POOLERS)}")
    else:
        engine = create_engine(url, **pool, connect_args={
            **connect_args, "prepare_threshold": None})
        event.listen(engine, "connect", _ping_through_pooler)
    event.listen(engine, "begin", functools.partial(_set_local_statement_timeout,
                                                    timeouts.statement_ms))
    return engine


def _ping_through_pooler(dbapi_connection, _record) -> None:
    # PgBouncer accepts a login while its server is down; only a query shows that
    # the database is behind it. Pooled connections are pinged on checkout already.
    dbapi_connection.execute("SELECT 1")
    dbapi_connection.rollback()


def _set_local_statement_timeout(default_ms: int, connection) -> None:
    # Runs as the transaction's first statement (psycopg sends BEGIN before it) and
    # ends with it, so it never leaks to another client of the pooled server connection.
    # A read in autocommit has no transaction to set it in: the connection's own applies.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.autocommit:
        return
    timeout = connection.get_execution_options().get(STATEMENT_TIMEOUT_OPTION, default_ms)
    statement = SET_LOCAL_STATEMENT_TIMEOUT.format(timeout)
    try:
        dbapi_connection.execute(statement)
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


def _for_reads(engine: Engine, pooler: str | None, timeouts: Timeouts) -> Engine:
    """The engine as the call-time reads use it (`read_session()`): in autocommit on
    PostgreSQL, under the connection's own statement timeout, the reads' short one.

    Its reads are single statements, which see one snapshot either way, and in a
    transaction each cost BEGIN and ROLLBACK round trips besides the SELECT (and
    the pool's ping): 4 round trips per call-time lookup instead of 2
    (docs/decisions/0009-reads-in-autocommit.md). Through PgBouncer they keep their
    transaction, which carries the reads' statement timeout there (SET LOCAL).
    """
    if engine.dialect.name != "postgresql":
        return engine
    if pooler is not None:
        return engine.execution_options(**{STATEMENT_TIMEOUT_OPTION: timeouts.read_ms})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class Tracked:
    """One database (the primary or the replica) as this process sees it: answering, or
    down since a failure.

    It is taken as down when a connect waits and fails, when the pool's ping of a
    pooled connection meets silence (`_bounded_ping`), or when a statement loses its
    connection; `read_session()` also takes the primary as down when its checkout fails
    at all, and reads from the replica. While it is down, this process waits on it no more: reads go to the other
    database (or to the remembered decisions), the rest is refused at once
    (`DatabaseDown`, a 503). One background thread per database and process probes it
    every PROBE_SECONDS and ends that as soon as it answers. So does a statement it
    answers meanwhile on a connection opened since the outage began: one sent on an
    older connection may have been answered before the outage, and one of those
    answering while new connections are refused (the database at its connection limit)
    must not flip the state back and forth.
    """

    def __init__(self, name: str, engine: Engine, timeouts: Timeouts, probe_name: str):
        self.name, self.engine, self.timeouts, self.probe_name = name, engine, timeouts, probe_name
        self._down = threading.Event()
        self._outages = 0  # how many times it was marked down
        self._probing = False
        self._lock = threading.Lock()
        self._connects = threading.local()  # when this thread's last connect began
        event.listen(engine, "handle_error", self._on_error)
        event.listen(engine, "do_connect", self._on_connecting)
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "after_cursor_execute", self._on_answer)
        if engine.dialect.name == "postgresql":
            # Dialect.do_ping is public API, the pool's pre-ping calls it on checkout.
            engine.dialect.do_ping = self._bounded_ping(engine.dialect.do_ping)

    @property
    def down(self) -> bool:
        return self._down.is_set()

    def refuse(self):
        """Raise the error of a request that would wait on this database while it is down."""
        raise OperationalError(None, None, DatabaseDown(
            f"the {self.name} database did not answer; not asked again before a probe does"))

    def mark_down(self, reason) -> None:
        with self._lock:
            if self._down.is_set():
                return
            self._outages += 1
            self._down.set()
            # A probe that has not yet seen the database back (a statement ended the
            # last outage first) goes on probing for this one: one probe per database.
            start_probe = not self._probing
            self._probing = True
        log.warning("%s database unreachable, not waiting on it: %s", self.name, reason)
        if start_probe:
            threading.Thread(target=self._probe, name=self.probe_name, daemon=True).start()

    def mark_up(self) -> None:
        with self._lock:
            if not self._down.is_set():
                return
            self._down.clear()
        log.warning("%s database answers again", self.name)

    def _probe(self) -> None:
        while True:
            time.sleep(PROBE_SECONDS)
            with self._lock:
                if not self._down.is_set():
                    self._probing = False
                    return
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except SQLAlchemyError:
                continue  # still down, or no pooled connection free in time: ask again
            except Exception:  # noqa: BLE001 - the probe must outlive any one failure
                log.exception("%s database probe failed", self.name)
                continue
            self.mark_up()

    def _bounded_ping(self, ping):
        """The pool's pre-ping, failing the checkout when the ping met silence.

        SQLAlchemy reconnects after a failed ping, which is right for a connection the
        server closed (a restart: the ping fails at once), and doubles the wait on a
        database that has gone silent (the ping waits for the TCP timeout, the
        reconnect for the connect timeout). A ping that failed after waiting is that
        silence: the database is marked down and the checkout fails, the caller goes
        to the replica path (`read_session()`) or answers 503.
        """
        def do_ping(dbapi_connection) -> bool:
            started = time.monotonic()
            try:
                return ping(dbapi_connection)
            except self.engine.dialect.loaded_dbapi.Error as error:
                if time.monotonic() - started < self.timeouts.silence_seconds:
                    raise
                self.mark_down(error)
                # SQLAlchemy's own error, not the driver's: the pool does not reconnect on it.
                raise OperationalError("(pool pre-ping)", None, error) from error
        return do_ping

    def _on_connecting(self, *_args) -> None:
        self._connects.started = time.monotonic()

    def _on_connect(self, _dbapi_connection, connection_record) -> None:
        connection_record.info[OUTAGES_AT_CONNECT] = self._outages

    def _on_answer(self, connection, *_execution) -> None:
        if (self._down.is_set()
                and connection.info.get(OUTAGES_AT_CONNECT) == self._outages):
            self.mark_up()

    def _on_error(self, context) -> None:
        # A ping that failed at once is followed by a reconnect, which says whether the
        # database is gone. Without a connection, the error is a connect's: one that
        # waited met silence; one refused at once (or answered: the server at its
        # connection limit) costs the next request no wait, and is tried again.
        if context.is_pre_ping:
            return
        if context.connection is None:
            started = getattr(self._connects, "started", None)
            if started is None or time.monotonic() - started < self.timeouts.silence_seconds:
                return
        elif not context.is_disconnect:
            return
        self.mark_down(context.original_exception)


class Databases:
    """The primary's session factories, the replica's (if any), and whether each answers."""

    def __init__(self, url: str, read_url: str | None = None, pooler: str | None = None,
                 timeouts: Timeouts = DEFAULT_TIMEOUTS):
        primary_engine = make_engine(url, pooler, timeouts)
        self.primary = sessionmaker(primary_engine, expire_on_commit=False)
        if primary_engine.dialect.name == "sqlite":
            _one_writer_at_a_time(self.primary)
        self.primary_reads = sessionmaker(_for_reads(primary_engine, pooler, timeouts),
                                          expire_on_commit=False)
        self.primary_state = Tracked("primary", primary_engine, timeouts, "cache-db-probe")
        self.after_write: list = []  # see `after_write`
        self.replica = self.replica_reads = self.replica_state = None
        if read_url:
            replica_engine = make_engine(read_url, pooler, timeouts)
            self.replica = sessionmaker(replica_engine, expire_on_commit=False)
            self.replica_reads = sessionmaker(_for_reads(replica_engine, pooler, timeouts),
                                              expire_on_commit=False)
            self.replica_state = Tracked("replica", replica_engine, timeouts,
                                         "cache-db-probe-replica")

    @property
    def primary_engine(self) -> Engine:
        return self.primary.kw["bind"]

    @property
    def replica_engine(self) -> Engine | None:
        return self.replica.kw["bind"] if self.replica is not None else None

    @property
    def primary_down(self) -> bool:
        return self.primary_state.down

    @property
    def replica_down(self) -> bool:
        return self.replica_state is not None and self.replica_state.down

    def mark_primary_down(self, reason) -> None:
        self.primary_state.mark_down(reason)

    def mark_primary_up(self) -> None:
        self.primary_state.mark_up()

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


def init_app(flask_app, url: str, read_url: str | None = None, pooler: str | None = None,
             timeouts: Timeouts = DEFAULT_TIMEOUTS) -> None:
    """Attach the engines and session factories to the Flask app."""
    databases = flask_app.extensions["cache_db"] = Databases(url, read_url, pooler, timeouts)
    event.listen(databases.primary, "after_commit",
                 functools.partial(_after_commit, databases.after_write))
    flask_app.teardown_appcontext(_close_sessions)
    flask_app.after_request(_mark_stale)


def written(db_session: Session, domain: str, numbers) -> None:
    """Mark IVR entries as written by this session (app/storage/history.py does)."""
    db_session.info.setdefault(WRITTEN_NUMBERS, set()).update(
        (domain, number) for number in numbers)


def after_write(flask_app, callback) -> None:
    """Call `callback(domain, number)` for each IVR entry a request's session committed."""
    flask_app.extensions["cache_db"].after_write.append(callback)


def _after_commit(callbacks, db_session: Session) -> None:
    for domain, number in db_session.info.pop(WRITTEN_NUMBERS, ()):
        for callback in callbacks:
            callback(domain, number)


def engine_of(flask_app) -> Engine:
    """The primary's engine (writes, migrations checks, accounting)."""
    return flask_app.extensions["cache_db"].primary_engine


def replica_engine_of(flask_app) -> Engine | None:
    return flask_app.extensions["cache_db"].replica_engine


def primary_is_down(flask_app) -> bool:
    """Whether this process waits on the primary no more for now."""
    return flask_app.extensions["cache_db"].primary_down


def replica_is_down(flask_app) -> bool:
    return flask_app.extensions["cache_db"].replica_down


def session() -> Session:
    """Return this request's session on the primary; it is closed when the request ends.

    While the primary is down (`Tracked`) it is refused at once: a write must not hold a
    handler thread waiting on a database that has gone silent.
    """
    if "db_session" not in g:
        databases = current_app.extensions["cache_db"]
        if databases.primary_down:
            databases.primary_state.refuse()
        g.db_session = databases.primary()
    return g.db_session


def read_session(lookup: bool = True) -> Session:
    """This request's session for reading: the primary's while it answers, else the replica's.

    A session of its own, for reads only; what this request wrote through `session()`
    is not visible to it before the commit. A lookup (the call-time reads, one row by
    primary key) runs in autocommit on PostgreSQL (`_for_reads`) under the short read
    timeout; `lookup=False`, a read whose size is the caller's choice (a list), runs in
    a transaction under the statement timeout. With a replica, the primary's connection
    is checked out here, so that a primary that cannot be reached sends this read to
    the replica (and the answer gets the `Cache-Stale` header) instead of a 503. With
    no database left to ask, it raises the database error (a 503) at once.
    """
    if "db_read_session" in g:
        return g.db_read_session
    databases = current_app.extensions["cache_db"]
    if databases.replica is None:
        if databases.primary_down:
            databases.primary_state.refuse()
        factory = databases.primary_reads if lookup else databases.primary
        g.db_read_session = g.db_primary_read_session = factory()
        return g.db_read_session
    if not databases.primary_down:
        factory = databases.primary_reads if lookup else databases.primary
        primary = g.db_primary_read_session = factory()
        try:
            primary.connection()
        except OperationalError as error:
            g.pop("db_primary_read_session").close()
            databases.mark_primary_down(error.orig)
        else:
            g.db_read_session = primary
            return primary
    if databases.replica_down:
        databases.replica_state.refuse()
    factory = databases.replica_reads if lookup else databases.replica
    replica = g.db_read_session = g.db_replica_session = factory()
    try:
        g.db_stale = databases.replica_lag(replica)
    except OperationalError as error:
        databases.replica_state.mark_down(error.orig)
        raise
    return replica


def _mark_stale(response):
    if "db_stale" in g and STALE_HEADER not in response.headers:
        response.headers[STALE_HEADER] = g.db_stale
    return response


def _close_sessions(_exc) -> None:
    for name in ("db_session", "db_primary_read_session", "db_replica_session"):
        db_session = g.pop(name, None)
        if db_session is not None:
            db_session.close()
    g.pop("db_read_session", None)
    g.pop("db_stale", None)
