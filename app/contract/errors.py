"""Every error the service answers, as one problem+json format.

RFC 9457 fields, plus `"success": false` like every other answer of the API,
plus `errors` (field and message) when the problem is about fields.
"""

import json
import logging
import re

from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.lifecycle import ConnexionResponse
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from app.observability import DATABASE_ERRORS

PROBLEM_MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# Seconds a client should wait before retrying when the database is down.
RETRY_AFTER_SECONDS = 5

SCHEMA_ERROR = re.compile(r"(?P<message>.*) - '(?P<field>[^']*)'", re.DOTALL)

log = logging.getLogger(__name__)


class FieldProblem(BadRequestProblem):
    """A 400 about named fields: `errors` maps each field's dotted path to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        detail = "; ".join(f"{field}: {message}" for field, message in errors.items())
        super().__init__(detail=detail)


def problem_body(status: int, detail: str, errors: dict[str, str] | None = None) -> bytes:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "success": False,
    }
    if errors:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return json.dumps(body, separators=(",", ":")).encode()


def problem(
    status: int, detail: str, errors: dict[str, str] | None = None, headers: dict | None = None
) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype=PROBLEM_MEDIA_TYPE,
        # Both: Connexion's Flask layer reads content_type, its error layer mimetype.
        content_type=PROBLEM_MEDIA_TYPE,
        body=problem_body(status, detail, errors),
        headers=headers,
    )


def field_messages(messages, prefix: str = "") -> dict[str, str]:
    """Flatten marshmallow's nested messages to {"command.action.destAddr": "..."}."""
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return {prefix or "body": " ".join(messages)}
    if isinstance(messages, dict):
        flat: dict[str, str] = {}
        for key, value in messages.items():
            flat.update(field_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix or "body": str(messages)}


def _challenge(status: int, headers) -> dict:
    """Every 401 tells the client which scheme to use (RFC 6750), Connexion's own too."""
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return headers


def handle_problem(_request, error: ProblemException) -> ConnexionResponse:
    detail = str(error.detail or error.title or "")
    errors = getattr(error, "errors", None)
    # Connexion's parameter errors read "<message> - '<name>'": name the parameter.
    field_error = None if errors else SCHEMA_ERROR.fullmatch(detail)
    if field_error:
        errors = {field_error["field"]: field_error["message"]}
    return problem(error.status, detail, errors, headers=_challenge(error.status, error.headers))


def handle_http_error(_request, error: HTTPException) -> ConnexionResponse:
    return problem(
        error.status_code, str(error.detail), headers=_challenge(error.status_code, error.headers)
    )


def handle_validation_error(_request, error: ValidationError) -> ConnexionResponse:
    errors = field_messages(error.messages)
    detail = "; ".join(f"{field}: {message}" for field, message in errors.items())
    return problem(400, detail, errors)


def handle_bad_encoding(_request, _error: UnicodeDecodeError) -> ConnexionResponse:
    return problem(400, "body: is not valid UTF-8", {"body": "is not valid UTF-8"})


def handle_database_error(_request, error: DBAPIError | PoolTimeout) -> ConnexionResponse:
    # A pool with no connection free in time (PoolTimeout) is as unavailable as a database
    # that does not answer: every pooled connection waits on it.
    DATABASE_ERRORS.inc()
    orig = getattr(error, "orig", None)
    log.error("database unavailable: %s", orig.__class__.__name__ if orig else error)
    return problem(
        503,
        "The cache's database cannot be reached; retry later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def handle_unexpected(_request, error: Exception) -> ConnexionResponse:
    log.exception("unhandled error", exc_info=error)
    return problem(500, "The service failed to handle the request.")


def register(connexion_app) -> None:
    """Route every kind of error to its problem+json answer."""
    connexion_app.add_error_handler(ProblemException, handle_problem)
    connexion_app.add_error_handler(HTTPException, handle_http_error)
    connexion_app.add_error_handler(ValidationError, handle_validation_error)
    connexion_app.add_error_handler(UnicodeDecodeError, handle_bad_encoding)
    connexion_app.add_error_handler(DBAPIError, handle_database_error)
    connexion_app.add_error_handler(PoolTimeout, handle_database_error)
    connexion_app.add_error_handler(Exception, handle_unexpected)
