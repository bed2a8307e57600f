"""The migrations make exactly the models' schema, and undo it."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.storage import migrate
from app.storage.db import Base


def test_models_and_migrations_do_not_drift(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_then_downgrade_to_base_and_back(empty_database_url):
    url = empty_database_url
    engine = create_engine(url)

    migrate.upgrade(url)
    assert {"ivr_fallback", "siprec_fallback"} <= set(inspect(engine).get_table_names())
    assert migrate.revisions(engine)[0] == migrate.revisions(engine)[1]

    migrate.downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(url)
    migrate.check_at_head(engine)
    engine.dispose()


def test_usage_columns_arrive_on_a_populated_database(empty_database_url):
    """0002 upgrades existing entries in place (no use yet) and downgrades cleanly."""
    url = empty_database_url
    migrate.upgrade(url, "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, updated_at) "
            "VALUES ('example.com', '1', 'always', '{\"action\": {\"type\": \"hangup\"}}', 9, 1)")
    migrate.upgrade(url, "0002")
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT number, mode, use_count, last_used_at, last_outcome FROM ivr_fallback").one()
    assert tuple(row) == ("1", "always", 0, None, None)
    migrate.downgrade(url, "0001")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT number FROM ivr_fallback").scalar() == "1"
    assert "use_count" not in {column["name"] for column in inspect(engine).get_columns("ivr_fallback")}
    engine.dispose()


def test_0003_upgrades_a_populated_database_in_place_and_back(empty_database_url):
    """Entries written before 0003 get version 1, a counter and a `set` history row;
    the downgrade drops them and keeps the entries."""
    from sqlalchemy import text

    url = empty_database_url
    migrate.upgrade(url, "0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        for number in ("1", "2"):
            connection.execute(text(
                "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, "
                "updated_at, updated_by, use_count) VALUES ('example.com', :number, 'always', "
                "'{\"action\": {\"type\": \"hangup\"}}', 2000000000, 1700000000, 'alice', 3)"
            ), {"number": number})

    migrate.upgrade(url)
    with engine.connect() as connection:
        entries = connection.execute(text(
            "SELECT number, version, use_count FROM ivr_fallback ORDER BY number")).all()
        counters = connection.execute(text(
            "SELECT number, version FROM ivr_fallback_counter ORDER BY number")).all()
        history = connection.execute(text(
            "SELECT number, version, at, by, action, mode, ttl FROM ivr_fallback_history "
            "ORDER BY number")).all()
    assert [tuple(row) for row in entries] == [("1", 1, 3), ("2", 1, 3)]
    assert [tuple(row) for row in counters] == [("1", 1), ("2", 1)]
    assert [tuple(row) for row in history] == [
        (number, 1, 1700000000, "alice", "set", "always", 2000000000) for number in ("1", "2")
    ]

    migrate.downgrade(url, "0002")
    assert not {"ivr_fallback_counter", "ivr_fallback_history"} & set(
        inspect(engine).get_table_names())
    columns = {column["name"] for column in inspect(engine).get_columns("ivr_fallback")}
    assert "version" not in columns and "use_count" in columns
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ivr_fallback")).scalar() == 2
    migrate.upgrade(url)
    migrate.check_at_head(engine)
    engine.dispose()


def test_0004_keeps_the_counts_of_a_populated_database_and_back(empty_database_url):
    """Entries written before 0004 keep their counts and are the entry their current
    version made; the downgrade folds the series into the entries' counts."""
    from sqlalchemy import text

    url = empty_database_url
    migrate.upgrade(url, "0003")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, updated_at, "
            "use_count, last_used_at, last_outcome, version) VALUES ('example.com', '1', "
            "'always', '{}', 2000000000, 1700000000, 3, 1700000100, 'timeout', 4)"))

    migrate.upgrade(url)
    with engine.begin() as connection:
        assert tuple(connection.execute(text(
            "SELECT use_count, last_used_at, last_outcome, created_version FROM ivr_fallback"
        )).one()) == (3, 1700000100, "timeout", 4)
        for version, count in ((4, 2), (2, 5)):  # the entry's own use, and a deleted one's
            connection.execute(text(
                "INSERT INTO ivr_fallback_use (domain, number, entry_version, hour, outcome, "
                "count, last_at) VALUES ('example.com', '1', :version, 1700006400, 'error', "
                ":count, 1700006405)"), {"version": version, "count": count})

    migrate.downgrade(url, "0003")
    assert not {"ivr_fallback_use", "usage_flush"} & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT use_count FROM ivr_fallback")).scalar() == 5
    migrate.upgrade(url)
    migrate.check_at_head(engine)
    engine.dispose()
