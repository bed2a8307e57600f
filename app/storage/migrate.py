"""Alembic, driven from the app's settings: upgrade, downgrade, and the at-head check."""

import functools

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.resources import data_folder

MIGRATIONS_PATH = data_folder("migrations")


class SchemaNotAtHead(RuntimeError):
    """The database's schema is not the one this code was written for."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    # Read by migrations/env.py; kept out of the ini options, which interpolate '%'.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@functools.cache
def head_revision() -> str:
    """The code's head revision; read from migrations/ once (readiness probes ask often)."""
    return ScriptDirectory(str(MIGRATIONS_PATH)).get_current_head()


def revisions(engine: Engine) -> tuple[str | None, str]:
    """Return the database's revision and the code's head revision."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head_revision()


def check_at_head(engine: Engine) -> None:
    """Raise SchemaNotAtHead, saying what to run, unless the schema is at head."""
    current, head = revisions(engine)
    if current != head:
        raise SchemaNotAtHead(
            f"the database {engine.url.render_as_string(hide_password=True)} is at "
            f"revision {current or 'none (empty)'}, this code needs {head}: "
            "run `cache-api db upgrade`"
        )
