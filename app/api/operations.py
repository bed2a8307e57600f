"""Endpoints for operators and orchestrators, outside the public and platform specs."""

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, Counter
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app import clock
from app.storage import migrate, store
from app.api import json_response
from app.storage.db import (
    engine_of, primary_is_down, replica_engine_of, replica_is_down, session,
)
from app.contract.errors import PROBLEM_MEDIA_TYPE, problem_body
from app.expiration import DAY_SECONDS
from app.observability import EXPIRING_SOON_DAYS, render_metrics

blueprint = Blueprint("operations", __name__)
# Answered on the event loop's thread (app/serving/bridge.py): alive even when every
# handler thread waits on the database.
LIVENESS_PATH = "/healthz"
# A counter, not a 0/1 gauge: under gunicorn a gauge no check has set yet reads 0.
READINESS_CHECKS = Counter(
    "cache_readiness_checks_total", "GET /readyz answers, by whether it answered ready.", ["ready"]
)


@blueprint.get(LIVENESS_PATH)
def healthz():
    """Alive: the process answers. Says nothing of the database, on purpose."""
    return json_response({"status": "alive"})


@blueprint.get("/readyz")
def readyz():
    """The readiness check, counted for /metrics."""
    answer = _readiness()
    READINESS_CHECKS.labels("true" if answer.status_code == 200 else "false").inc()
    return answer


def _readiness() -> Response:
    """Ready: the database answers and its schema is the one this code needs.

    With a replica, a server whose primary is gone is still ready when the replica
    answers: it serves the reads (stale-marked) and refuses writes with 503, which
    beats a load balancer with no server left to send the decisions to.
    """
    replica = replica_engine_of(current_app)
    # While this process waits on a database no more (app/storage/db.py `Tracked`), this
    # check does not either: a database that does not even refuse connections would
    # hold it for the whole connect timeout.
    if primary_is_down(current_app):
        unreachable = "the primary database cannot be reached"
        if replica is None:
            return _unready(unreachable)
    else:
        try:
            migrate.check_at_head(engine_of(current_app))
        except migrate.SchemaNotAtHead as error:
            return _unready(str(error))
        except DBAPIError as error:
            unreachable = f"the database cannot be reached ({error.orig.__class__.__name__})"
            if replica is None:
                return _unready(unreachable)
        else:
            return json_response({"status": "ready"})
    if replica_is_down(current_app):
        return _unready(f"{unreachable}; the replica cannot be reached either")
    try:
        migrate.check_at_head(replica)
    except (migrate.SchemaNotAtHead, DBAPIError) as replica_error:
        return _unready(f"{unreachable}; the replica: {replica_error}")
    return json_response({"status": "ready", "database": "replica"})


@blueprint.get("/metrics")
def metrics():
    now = clock.now()
    try:
        entries = store.count_live_entries(session(), now)
        expiring = store.count_live_entries(
            session(), now, until=now + EXPIRING_SOON_DAYS * DAY_SECONDS
        )
    except SQLAlchemyError:
        # A scrape during a database outage (or with no pooled connection free) still
        # carries the request and error metrics that tell of it; only the counts are missing.
        entries = expiring = {}
    return Response(
        render_metrics(lambda: entries, lambda: expiring),
        mimetype=None,
        content_type=CONTENT_TYPE_LATEST,
    )


def _unready(detail: str) -> Response:
    return Response(problem_body(503, detail), status=503, mimetype=PROBLEM_MEDIA_TYPE)
