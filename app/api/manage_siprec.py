"""The management API's view of one SIPRec fallback entry: renew it."""

from app import clock
from app.storage import store
from app.api import json_response
from app.api.manage_ivr import renew_expiry
from app.storage.db import session
from app.contract.errors import problem


def renew(domain: str, number: str, body=None, user: str | None = None):
    expires_at = renew_expiry(body)
    db = session()
    renewed = store.renew_siprec_entry(db, domain.lower(), number, expires_at, user, clock.now())
    db.commit()
    if not renewed:
        return problem(404, f"No SIPRec fallback for '{number}' in '{domain.lower()}'.")
    return json_response({"success": True, "ttl": expires_at})
