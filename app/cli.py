"""The operator's command line: `cache-api serve | db upgrade | db downgrade | token | purge`."""

import logging.config

import click

from app import clock, migrate
from app.config import Settings
from app.db import make_engine
from app.logs import LOGGING
from app.security import PLATFORM_SCOPE, READ_SCOPE, WRITE_SCOPE, mint_token
from app.store import PURGE_BATCH_ROWS, purge_expired

SCOPES = (READ_SCOPE, WRITE_SCOPE, PLATFORM_SCOPE)


@click.group()
def main() -> None:
    """The fallback cache service of the telephony platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run a development server (one process) on the configured database.

    On the embedded SQLite default the schema is brought to head first; any
    other database must be migrated with `cache-api db upgrade`.
    """
    import uvicorn

    from app import create_app

    settings = Settings.from_env()
    if settings.embedded_database:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(settings.database_url)
    click.echo(f"cache-api on http://{host}:{port}/cache (API page: /cache/ui/)", err=True)
    # Configured once, here, so that create_app()'s own lines are JSON too; uvicorn
    # keeps it (log_config=None) and leaves the access log to the app. One process, said
    # explicitly: uvicorn would take WEB_CONCURRENCY (gunicorn's, set in images) and exit.
    logging.config.dictConfig(LOGGING)
    uvicorn.run(create_app(), host=host, port=port, workers=1, log_config=None,
                access_log=False)


@main.group()
def db() -> None:
    """Database schema migrations (Alembic)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    settings = Settings.from_env()
    if settings.embedded_database:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}", err=True)


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' empties it)."""
    migrate.downgrade(Settings.from_env().database_url, revision)
    click.echo(f"database at {revision}", err=True)


@main.command()
@click.option("--domain", "domains", multiple=True, required=True,
              help="A domain the token may use ('*' for all); repeatable.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="A scope to grant; repeatable. Default: cache/read and cache/write.")
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(min=1),
              help="Seconds until the token expires.")
@click.option("--sub", "subject", default="cache-api-cli", show_default=True,
              help="Who acts with the token (recorded on writes).")
def token(domains: tuple[str, ...], scopes: tuple[str, ...], ttl: int, subject: str) -> None:
    """Print a token signed with the configured (development) secret."""
    try:
        click.echo(
            mint_token(
                Settings.from_env(),
                domains=list(domains),
                scopes=list(scopes or (READ_SCOPE, WRITE_SCOPE)),
                ttl=ttl,
                subject=subject,
                now=clock.now(),
            )
        )
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--batch-size", default=PURGE_BATCH_ROWS, show_default=True,
              type=click.IntRange(min=1), help="Rows deleted per transaction.")
def purge(batch_size: int) -> None:
    """Delete expired entries from storage (they are already invisible)."""
    from sqlalchemy.orm import Session

    engine = make_engine(Settings.from_env().database_url)
    with Session(engine) as session:
        purged = purge_expired(session, clock.now(), batch_size)
    engine.dispose()
    click.echo(f"purged {purged} expired entries", err=True)
