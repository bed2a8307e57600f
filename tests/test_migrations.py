"""The migrations make exactly the models' schema, and undo it."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app import migrate
from app.db import Base


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
