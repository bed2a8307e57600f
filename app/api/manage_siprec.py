"""The management API's view of one SIPRec fallback entry: renew it.

A SIPRec entry has no versions, so no ETag: of the public API's preconditions
(app/api/conditions.py), `If-Match: *` holds when the entry exists and no entity tag
ever matches; `If-None-Match: *` holds only when there is no entry, which a renewal
then does not find.
"""

from app import clock
from app.storage import history, store
from app.api import json_response
from app.api.conditions import if_match, if_none_match
from app.api.manage_ivr import renew_expiry
from app.storage.db import session
from app.contract.errors import problem


def renew(domain: str, number: str, body=None, user: str | None = None):
    expires_at = renew_expiry(body)
    matching = if_match()
    if matching not in (None, history.ANY):
        return problem(412, "SIPRec entries have no versions: only If-Match: * (the entry "
                       "exists) can hold.")
    db, now = session(), clock.now()
    if if_none_match():
        # A renewal needs the entry that If-None-Match: * must not find: never a write.
        # If-Match (only `*` is left) is judged first: it holds exactly when the entry exists.
        if store.siprec_expiry(db, domain.lower(), number, now) is not None:
            return problem(412, f"A SIPRec fallback for '{number}' exists already.")
        return _nothing_to_match(number) if matching is not None else _not_found(domain, number)
    # The UPDATE finds the live entry or nothing: If-Match: * is judged with the write.
    renewed = store.renew_siprec_entry(db, domain.lower(), number, expires_at, user, now)
    db.commit()
    if not renewed:
        return _nothing_to_match(number) if matching is not None else _not_found(domain, number)
    return json_response({"success": True, "ttl": expires_at})


def _nothing_to_match(number: str):
    return problem(412, f"There is no SIPRec fallback for '{number}' to match.")


def _not_found(domain: str, number: str):
    return problem(404, f"No SIPRec fallback for '{number}' in '{domain.lower()}'.")
