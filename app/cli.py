"""The operator's command line: `cache-api serve | db upgrade | db downgrade | token | purge
| export | import`."""

import json
import logging.config
import sys

import click

from app import clock, transfer
from app.storage import migrate
from app.config import Settings, trusted_proxies
from app.storage.db import make_engine
from app.logs import LOGGING
from app.contract.middleware import json_refusal
from app.contract.validation import ASCII_INTEGER
from app.contract.security import (
    DOMAIN_MAX_LENGTH,
    DOMAIN_PATTERN,
    PLATFORM_SCOPE,
    READ_SCOPE,
    WRITE_SCOPE,
    mint_token,
    writer_problem,
)
from app.storage.purge import PURGE_BATCH_ROWS, purge_expired, purge_history, purge_usage

SCOPES = (READ_SCOPE, WRITE_SCOPE, PLATFORM_SCOPE)


class Digits(click.IntRange):
    """An integer option written in the digits 0-9, as the API's parameters are: click's
    int() would take `6_0`, `６０` or ` 60`."""

    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not ASCII_INTEGER.fullmatch(value):
            self.fail(f"{value!r} is not a whole number written in the digits 0-9 (at most 18 of "
                      "them).", param, ctx)
        return super().convert(value, param, ctx)


def _writer(_context, _parameter, value: str) -> str:
    """--sub under the service's rule for a token's `sub`, so that what the command line
    records (or mints) the API would have recorded too."""
    problem = writer_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


@click.group()
def main() -> None:
    """The fallback cache service of the telephony platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=Digits(0, 65535))
def serve(host: str, port: int) -> None:
    """Run a development server (one process) on the configured database.

    On the embedded SQLite default the schema is brought to head first; any
    other database must be migrated with `cache-api db upgrade`.
    """
    import uvicorn

    from app import STARTUP_REFUSALS, create_app

    try:
        settings = Settings.from_env()
        proxies = trusted_proxies()
        if settings.embedded_database:
            settings.instance_path.mkdir(parents=True, exist_ok=True)
            migrate.upgrade(settings.database_url)
        # Configured once, here, so that create_app()'s own lines are JSON too; uvicorn
        # keeps it (log_config=None) and leaves the access log to the app.
        logging.config.dictConfig(LOGGING)
        app = create_app()
    except STARTUP_REFUSALS as error:
        # One line and exit 1: the message says what to do.
        raise click.ClickException(f"cache-api cannot start: {error}") from None
    click.echo(f"cache-api on http://{host}:{port}/cache (API page: /cache/ui/)", err=True)
    # One process, said explicitly: uvicorn would take WEB_CONCURRENCY (gunicorn's, set
    # in images) and exit.
    # The workers' HTTP protocol, for its limits on request heads.
    uvicorn.run(app, host=host, port=port, workers=1, log_config=None,
                access_log=False, forwarded_allow_ips=proxies,
                http="app.serving.worker:RecyclingProtocol")


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
@click.option("--ttl", default=3600, show_default=True, type=Digits(min=1),
              help="Seconds until the token expires.")
@click.option("--sub", "subject", default="cache-api-cli", show_default=True, callback=_writer,
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
              type=Digits(min=1), help="Rows deleted per transaction.")
def purge(batch_size: int) -> None:
    """Delete expired entries, and history and use series beyond retention."""
    from sqlalchemy.orm import Session

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        purged = purge_expired(session, clock.now(), batch_size)
        versions = purge_history(session, clock.now(), settings.history_versions,
                                 settings.history_days, batch_size)
        used = purge_usage(session, clock.now(), settings.usage_days, batch_size)
    engine.dispose()
    click.echo(f"purged {purged} expired entries", err=True)
    click.echo(f"purged {versions} history versions beyond retention "
               f"({settings.history_versions} per number, {settings.history_days} days)", err=True)
    click.echo(f"purged {used} rows of the use series beyond retention "
               f"({settings.usage_days} days; their counts stay in the entries' totals)",
               err=True)


DOMAIN_OPTION = click.option("--domain", required=True, help="The domain whose IVR entries to move.")


@main.command()
@DOMAIN_OPTION
def export(domain: str) -> None:
    """Print the domain's unexpired IVR fallback entries as one JSON document (the API's
    export), for `cache-api import`."""
    from sqlalchemy.orm import Session

    engine = make_engine(Settings.from_env().database_url)
    with Session(engine) as session:
        document = transfer.export_document(session, _domain(domain))
    engine.dispose()
    json.dump(document, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    click.echo(f"exported {len(document['entries'])} entries", err=True)


@main.command(name="import")
@DOMAIN_OPTION
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Judge every entry and write nothing.")
@click.option("--sub", "subject", default="cache-api-cli", show_default=True, callback=_writer,
              help="Who the history records as the writer.")
@click.option("--batch-size", default=transfer.BATCH_ROWS, show_default=True,
              type=Digits(1, 5000), help="Entries written per transaction.")
def import_(domain: str, file, dry_run: bool, subject: str, batch_size: int) -> None:
    """Write the entries of FILE (an export document, '-' for stdin) into the domain.

    Writes straight to the database, in transactions of --batch-size entries, with the
    API's rules for each entry; a refused entry is reported on stderr and the
    others are written. Exits 1 when any entry was refused.
    """
    from sqlalchemy.orm import Session

    raw = file.read()
    refusal = json_refusal(raw)
    if refusal is not None:
        raise click.ClickException(refusal)
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise click.ClickException(f"the file is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise click.ClickException('the document must be {"entries": [...]}')
    items = document["entries"]
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    with Session(engine) as session, click.progressbar(
        length=len(items) * (1 if dry_run else 2), label="importing", file=sys.stderr
    ) as bar:
        results = transfer.import_items(session, _domain(domain), items, by=subject,
                                        max_bytes=settings.max_body_bytes,
                                        dry_run=dry_run, progress=bar.update,
                                        batch_rows=batch_size)
    engine.dispose()
    refused = [(index, result) for index, result in enumerate(results)
               if result.get("detail") not in (None, transfer.DRY_RUN)]
    for index, result in refused:
        click.echo(f"entry {index} ({result['number']}): {result['detail']}", err=True)
    done = "valid, nothing written (dry run)" if dry_run else "written"
    click.echo(f"{len(items) - len(refused)} of {len(items)} entries {done}", err=True)
    if refused:
        sys.exit(1)


def _domain(domain: str) -> str:
    if len(domain) > DOMAIN_MAX_LENGTH or not DOMAIN_PATTERN.fullmatch(domain):
        raise click.BadParameter(f"'{domain}' is not a domain name", param_hint="--domain")
    return domain.lower()
