"""The fallback cache service: `create_app()` builds the ASGI application."""

import asyncio
import contextlib
import gc
import importlib
import inspect
import logging
import pkgutil
import warnings

# Connexion imports Starlette's test client at import time, which warns on every
# command (`cache-api token` included) that httpx is deprecated there; not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

import connexion  # noqa: E402
from connexion.middleware import MiddlewarePosition  # noqa: E402
from connexion.options import SwaggerUIOptions  # noqa: E402
from connexion.resolver import RelativeResolver  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app import api, console  # noqa: E402
from app.api import operations, preflight  # noqa: E402
from app.config import ConfigurationError, Settings  # noqa: E402
from app.contract import errors, security, specs  # noqa: E402
from app.contract.middleware import RequestGuard  # noqa: E402
from app.contract.security import TokenVerifier  # noqa: E402
from app.contract.validation import BODY_VALIDATORS, NamingParameterValidator  # noqa: E402
from app.decision_memory import DecisionMemory  # noqa: E402
from app.observability import Observability  # noqa: E402
from app.resources import data_folder  # noqa: E402
from app.serving import internals  # noqa: E402
from app.serving.bridge import FlaskBridge  # noqa: E402
from app.storage import db, migrate  # noqa: E402
from app.storage.purge import PurgeSchedule  # noqa: E402
from app.storage.tally import UsageRecorder  # noqa: E402

SPEC_DIR = data_folder("openapi")
# What create_app refuses to start on, each with a message that says what to do: a
# server meeting one says it in one line and exits (app/serving, app/cli.py).
STARTUP_REFUSALS = (ConfigurationError, migrate.SchemaNotAtHead, internals.InternalChanged)
log = logging.getLogger(__name__)
_collecting_for_serving = False


def create_app(overrides: dict | None = None) -> connexion.FlaskApp:
    """Build the service from the CACHE_* environment, with `overrides` applied (tests).

    Refuses to start on a database whose schema is not at the migration head:
    this code never creates or alters tables by itself (`cache-api db upgrade` does);
    and on libraries whose internals it leans on that have changed (app/serving/internals.py).
    """
    internals.check()
    settings = Settings.from_env(overrides)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        """Once started, set the garbage collector for serving; on graceful shutdown
        (SIGTERM under gunicorn), write the fallback-use tally."""
        _collect_for_serving()
        yield
        await asyncio.to_thread(flask_app.extensions["cache_usage"].stop)

    connexion_app = connexion.FlaskApp(
        __name__,
        specification_dir=SPEC_DIR,
        # Swagger UI only: the specs are served by app.contract.specs, with their components
        # intact (Connexion's own route would serve every $ref expanded); add_api gives
        # each page its own document.
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, serve_spec=False),
        lifespan=lifespan,
    )
    flask_app = connexion_app.app
    # Flask behind one thread crossing each way instead of a2wsgi's several, and none
    # for the call-time lookups (app/serving/bridge.py). Connexion keeps its ASGI-to-Flask
    # hop here; tests/test_flask_bridge.py checks it is ours, and app/serving/internals.py
    # that Connexion still has it.
    connexion_app._middleware_app.asgi_app = FlaskBridge(
        flask_app, on_loop=preflight.OPERATIONS | {operations.LIVENESS_PATH},
        lookups=api.CALL_TIME_LOOKUPS,
    )
    flask_app.config["CACHE_SETTINGS"] = settings
    # OPTIONS is answered by the specs' preflight operations, not by Flask.
    flask_app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    db.init_app(flask_app, settings.database_url, settings.database_read_url,
                settings.database_pooler, db.Timeouts.of(settings))
    memory = flask_app.extensions["cache_decision_memory"] = DecisionMemory(
        settings.decision_memory_seconds, settings.decision_memory_entries,
        settings.decision_memory_bytes)
    db.after_write(flask_app, memory.forget)
    _check_schema(db.engine_of(flask_app))
    flask_app.extensions["cache_usage"] = UsageRecorder(
        db.engine_of(flask_app), settings.usage_flush_interval
    ).start()

    # One bundled document per spec: what Connexion routes and validates from is
    # what clients download (with the path parameters in each operation).
    documents = [specs.bundle(SPEC_DIR / name) for name in specs.SPEC_FILES]
    for document in documents:
        connexion_app.add_api(
            specs.for_connexion(document),
            resolver=RelativeResolver("app.api"),
            strict_validation=True,
            validator_map={"parameter": NamingParameterValidator, "body": BODY_VALIDATORS},
            validate_responses=settings.validate_responses,
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui=True, serve_spec=False,
                swagger_ui_template_arguments={"openapi_spec_url": specs.page_url(document)},
            ),
        )
    # Outermost first: the request id and access log cover every answer, 413s included.
    connexion_app.add_middleware(Observability, position=MiddlewarePosition.BEFORE_EXCEPTION)
    connexion_app.add_middleware(
        RequestGuard,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_body_bytes=settings.max_body_bytes,
        max_bulk_body_bytes=settings.max_bulk_body_bytes,
        max_import_body_bytes=settings.max_import_body_bytes,
        cors_origins=settings.cors_origins,
        state={"token_verifier": TokenVerifier(settings)},
    )
    errors.register(connexion_app)
    flask_app.register_blueprint(operations.blueprint)
    flask_app.register_blueprint(specs.blueprint(documents))
    flask_app.register_blueprint(console.blueprint(settings))
    if settings.purge_interval > 0:
        flask_app.extensions["cache_purge"] = PurgeSchedule(
            db.engine_of(flask_app), settings.purge_interval,
            settings.history_versions, settings.history_days, settings.usage_days,
        ).start()
    _fix_signatures()
    return connexion_app


def check_can_start() -> None:
    """Raise one of STARTUP_REFUSALS if create_app would, without building the app:
    gunicorn's master asks before it starts any worker.

    A database that cannot be reached is not a refusal (the app starts, and answers 503
    until it is back), so it passes here too, silently: each worker logs it.
    """
    internals.check()
    settings = Settings.from_env()
    engine = db.make_engine(settings.database_url, settings.database_pooler,
                            db.Timeouts.of(settings))
    try:
        migrate.check_at_head(engine)
    except OperationalError:
        pass
    finally:
        engine.dispose()


def _collect_for_serving() -> None:
    """Keep the cyclic garbage collector off the app's own objects.

    The started app's objects (specs, schemas, routes) live as long as the process, and
    every full collection walked them all, stopping the worker; frozen, they are never
    walked again (docs/decisions/0001-freeze-the-app-objects.md). Called when the lifespan
    starts, after Connexion has built its middleware from the specs, in each worker;
    once per process, so that a process building many apps (the tests) can still
    collect the ones it dropped.
    """
    global _collecting_for_serving
    if _collecting_for_serving:
        return
    _collecting_for_serving = True
    gc.collect()
    gc.freeze()


def _fix_signatures() -> None:
    """Give the handlers and the token checks their signature once, as an attribute.

    Connexion 3 asks inspect.signature() for them on every request (which keyword
    arguments to pass), a measurable share of a call-time request's CPU
    (docs/decisions/0002-handler-signatures.md). inspect.signature() returns a
    function's `__signature__` without computing anything, and these functions never
    change.
    """
    functions = [security.authorize_public, security.authorize_platform]
    for module_info in pkgutil.iter_modules(api.__path__, "app.api."):
        module = importlib.import_module(module_info.name)
        functions += [function for _, function in inspect.getmembers(module, inspect.isfunction)
                      if function.__module__ == module.__name__]
    for function in functions:
        function.__signature__ = inspect.signature(function)


def _check_schema(engine) -> None:
    try:
        migrate.check_at_head(engine)
    except OperationalError as error:
        # Start anyway: requests get 503 until the database is back.
        log.warning("cannot check the database schema, database unreachable: %s", error.orig)
