"""Database plumbing: the declarative base, the engine, and per-request sessions."""

from flask import current_app, g
from sqlalchemy import Engine, MetaData, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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
STATEMENT_TIMEOUT_MS = 2000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def key_string(length: int) -> String:
    """A key column compared and sorted in plain string order on every engine.

    SQLite's default collation is already bytewise; PostgreSQL's follows the
    locale unless told "C".
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def make_engine(url: str) -> Engine:
    """Create the engine with the settings each backend needs under load."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 5, "check_same_thread": False},
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
    )


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers run beside one writer; the busy timeout makes a writer
    # wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(flask_app, url: str) -> None:
    """Attach an engine and a session factory to the Flask app."""
    engine = make_engine(url)
    flask_app.extensions["cache_db"] = sessionmaker(engine, expire_on_commit=False)
    flask_app.teardown_appcontext(_close_session)


def engine_of(flask_app) -> Engine:
    return flask_app.extensions["cache_db"].kw["bind"]


def session() -> Session:
    """Return this request's session; it is closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["cache_db"]()
    return g.db_session


def _close_session(_exc) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
