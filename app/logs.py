"""Logging: JSON lines on stderr, each stamped with the request id it belongs to.

Shared by `cache-api serve` and gunicorn.conf.py, so that both log alike.
"""

import contextvars
import logging

REQUEST_ID_OUTSIDE_REQUESTS = "-"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=REQUEST_ID_OUTSIDE_REQUESTS
)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": RequestIdFilter}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        # Gunicorn's and uvicorn's own loggers come with handlers: route them through ours.
        name: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
        for name in ("gunicorn.error", "uvicorn", "uvicorn.error")
    }
    | {
        # The app writes the access log itself (app/observability.py), with the request
        # id and the operation; the servers' own access lines would repeat it.
        name: {"handlers": [], "level": "WARNING", "propagate": False}
        for name in ("gunicorn.access", "uvicorn.access")
    }
    | {
        # Alembic says which dialect it uses each time a worker checks the schema.
        "alembic": {"level": "WARNING"},
    },
}
