"""The IVR fallback cache: a command per number, run when the customer cannot be asked.

Every write leaves a history version (app/storage/history.py); the entry's version is
its ETag, which `If-Match` / `If-None-Match: *` make the writes conditional on
(app/api/conditions.py).
"""

from flask import Response

from app import clock
from app.storage import history, store
from app.api import json_response
from app.api.conditions import etag, if_match, if_none_match, precondition_failed
from app.storage.db import read_session, session
from app.contract.errors import problem
from app.contract.schemas import FallbackSettingsSchema

settings_schema = FallbackSettingsSchema()


def list_numbers(domain: str):
    # Not a lookup: its size is the domain's, so it runs under the statement timeout.
    numbers = store.live_numbers_json(read_session(lookup=False), domain.lower(), clock.now())
    # The array is JSON already (the database wrote it); the answer is built around it.
    return Response(f'{{"data":{numbers},"success":true}}', mimetype="application/json")


def get_entry(domain: str, number: str):
    entry = store.get_ivr_fallback(read_session(), domain.lower(), number, clock.now())
    if entry is None:
        return _not_found(domain, number)
    data = {"mode": entry.mode, "ttl": entry.expires_at, "command": entry.command}
    return json_response({"data": data, "success": True}, headers={"ETag": etag(entry.version)})


def set_entry(domain: str, number: str, body: dict, user: str | None = None):
    settings = settings_schema.load(body)
    # As posted, not as loaded: GET must return exactly what was sent.
    change = history.Change(settings["mode"], body["command"], settings["expiration"])
    try:
        version = history.set_entry(
            session(), domain.lower(), number, change, by=user, now=clock.now(),
            if_match=if_match(), if_none_match=if_none_match(),
        )
    except history.PreconditionFailed as failed:
        return precondition_failed(failed, number)
    return json_response({"success": True}, headers={"ETag": etag(version)})


def delete_entry(domain: str, number: str, user: str | None = None):
    try:
        deleted = history.delete_entry(
            session(), domain.lower(), number, by=user, now=clock.now(),
            if_match=if_match(), if_none_match=if_none_match(),
        )
    except history.PreconditionFailed as failed:
        return precondition_failed(failed, number)
    if not deleted:
        return _not_found(domain, number)
    return json_response({"success": True})


def _not_found(domain: str, number: str):
    return problem(404, f"No IVR fallback for '{number}' in '{domain.lower()}'.")
