"""The IVR fallback cache: a command per number, run when the customer cannot be asked.

Every write leaves a history version (app/storage/history.py); the entry's version is
its ETag, which `If-Match` / `If-None-Match: *` make the writes conditional on.
"""

import re

from flask import Response, request

from app import clock
from app.storage import history, store
from app.api import json_response
from app.storage.db import read_session, session
from app.contract.errors import problem
from app.contract.schemas import FallbackSettingsSchema

settings_schema = FallbackSettingsSchema()
# A strong entity tag as this service makes them: a quoted version number.
ENTITY_TAG = re.compile(r'"([1-9][0-9]{0,17})"')


def etag(version: int) -> str:
    return f'"{version}"'


def list_numbers(domain: str):
    numbers = store.live_numbers_json(read_session(), domain.lower(), clock.now())
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
    if_match = _if_match()
    # The spec allows only `If-None-Match: *`.
    create_only = "If-None-Match" in request.headers
    # As posted, not as loaded: GET must return exactly what was sent.
    change = history.Change(settings["mode"], body["command"], settings["expiration"])
    try:
        version = history.set_entry(
            session(), domain.lower(), number, change, by=user, now=clock.now(),
            if_match=if_match, create_only=create_only,
        )
    except history.PreconditionFailed as failed:
        return _precondition_failed(failed.current, number)
    return json_response({"success": True}, headers={"ETag": etag(version)})


def delete_entry(domain: str, number: str, user: str | None = None):
    if_match = _if_match()
    try:
        deleted = history.delete_entry(
            session(), domain.lower(), number, by=user, now=clock.now(), if_match=if_match
        )
    except history.PreconditionFailed as failed:
        return _precondition_failed(failed.current, number)
    if not deleted:
        return _not_found(domain, number)
    return json_response({"success": True})


def _if_match():
    """None (no header), history.ANY, or the versions listed (the spec has checked the form)."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    if value.strip() == "*":
        return history.ANY
    return [int(version) for version in ENTITY_TAG.findall(value)]


def _precondition_failed(current: int | None, number: str):
    detail = (f"The entry for '{number}' is no longer the version you sent."
              if current is not None else f"There is no IVR fallback for '{number}' to match.")
    if current is not None and request.method == "POST" and "If-None-Match" in request.headers:
        detail = f"An IVR fallback for '{number}' exists already."
    return problem(412, detail, headers={"ETag": etag(current)} if current is not None else None)


def _not_found(domain: str, number: str):
    return problem(404, f"No IVR fallback for '{number}' in '{domain.lower()}'.")
