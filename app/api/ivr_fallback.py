"""The IVR fallback cache: a command per number, run when the customer cannot be asked."""

from app import clock, store
from app.api import json_response
from app.db import read_session, session
from app.errors import problem
from app.schemas import FallbackSettingsSchema

settings_schema = FallbackSettingsSchema()


def list_numbers(domain: str):
    numbers = store.list_ivr_numbers(read_session(), domain.lower(), clock.now())
    return json_response({"data": numbers, "success": True})


def get_entry(domain: str, number: str):
    entry = store.get_ivr_fallback(read_session(), domain.lower(), number, clock.now())
    if entry is None:
        return _not_found(domain, number)
    data = {"mode": entry.mode, "ttl": entry.expires_at, "command": entry.command}
    return json_response({"data": data, "success": True})


def set_entry(domain: str, number: str, body: dict, user: str | None = None):
    settings = settings_schema.load(body)
    db = session()
    now = clock.now()
    store.set_ivr_fallback(
        db,
        {
            "domain": domain.lower(),
            "number": number,
            "mode": settings["mode"],
            # As posted, not as loaded: GET must return exactly what was sent.
            "command": body["command"],
            "expires_at": settings["expiration"],
            "updated_at": now,
            "updated_by": user,
        },
        now,
    )
    db.commit()
    return json_response({"success": True})


def delete_entry(domain: str, number: str):
    db = session()
    deleted = store.delete_ivr_fallback(db, domain.lower(), number, clock.now())
    db.commit()
    if not deleted:
        return _not_found(domain, number)
    return json_response({"success": True})


def _not_found(domain: str, number: str):
    return problem(404, f"No IVR fallback for '{number}' in '{domain.lower()}'.")
