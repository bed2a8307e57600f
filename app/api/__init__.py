"""Handlers, one module per resource; Connexion resolves operationIds here."""

import json

from flask import Response

# The operations that wait on nothing but one primary-key read: app/serving/bridge.py
# runs them on the event loop's own thread while they are fast (create_app adds
# those that wait on nothing: the CORS preflights, app/api/preflight.py, and the
# liveness check). Never a write (SQLite's writers wait for its lock) nor a list
# (its size is the caller's choice).
CALL_TIME_LOOKUPS = frozenset({
    "app.api.ivr_fallback.get_entry",
    "app.api.platform_ivr.decide",
    "app.api.platform_siprec.get_status",
    "app.api.siprec_fallback.get_status",
})


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    """Answer compact JSON with an explicit content type (Connexion pretty-prints)."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        mimetype="application/json",
    )
