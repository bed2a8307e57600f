"""Handlers, one module per resource; Connexion resolves operationIds here."""

import json

from flask import Response


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    """Answer compact JSON with an explicit content type (Connexion pretty-prints)."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        mimetype="application/json",
    )
