"""The SIPRec fallback cache as the platform uses it: write numbers, ask at call time."""

from app import clock
from app.storage import store
from app.api import json_response
from app.storage.db import read_session, session
from app.contract.schemas import NUMBER_PATTERN, SiprecSettingsSchema

siprec_settings_schema = SiprecSettingsSchema()
NOT_A_NUMBER = "not a number: 1 to 64 characters of A-Z a-z 0-9 + * # . _ -"


def set_entry(domain: str, number: str, body=None, user: str | None = None):
    # A body is JSON or absent here: app/contract/middleware.py's media_type_refusal.
    settings = siprec_settings_schema.load(body or {})
    _write(domain, [number], settings["expiration"], user)
    return json_response({"success": True})


def set_entries(domain: str, body: dict, user: str | None = None):
    """Write every valid number of the list; report each, in the order sent.

    The spec has refused a malformed document whole (and a bad expiration is
    refused here before anything is written); a bad number only fails itself.
    """
    settings = siprec_settings_schema.load({k: v for k, v in body.items() if k != "numbers"})
    results = [
        {"number": number, "written": True}
        if NUMBER_PATTERN.fullmatch(number)
        else {"number": number, "written": False, "detail": NOT_A_NUMBER}
        for number in body["numbers"]
    ]
    valid = [result["number"] for result in results if result["written"]]
    if valid:
        _write(domain, valid, settings["expiration"], user)
    return json_response({"success": len(valid) == len(results), "results": results})


def get_status(domain: str, number: str):
    """Whether to record a call to the number now, and until when."""
    expires_at = store.siprec_expiry(read_session(), domain.lower(), number, clock.now())
    if expires_at is None:
        return json_response({"inCache": False})
    return json_response({"inCache": True, "ttl": expires_at})


def _write(domain: str, numbers: list[str], expires_at: int, user: str | None) -> None:
    db = session()
    store.set_siprec_entries(db, domain.lower(), numbers, expires_at, clock.now(), user)
    db.commit()
