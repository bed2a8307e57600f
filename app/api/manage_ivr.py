"""The management API's view of one IVR fallback entry: dry run, usage, history, restore, renew.

Restore and renew are conditional as the public API's writes (app/api/conditions.py),
and answer the entry's new ETag.
"""

from app import clock, decision, sip_request
from app.storage import history, store
from app.api import json_response
from app.api.conditions import etag, if_match, if_none_match, precondition_failed
from app.api.ivr_fallback import _not_found
from app.api.manage_usage import usage_range
from app.storage.db import session
from app.storage.usage import entry_series, entry_use
from app.contract.errors import problem
from app.contract.schemas import RestoreSchema, SiprecSettingsSchema

restore_schema = RestoreSchema()
# A renewal's body is the SIPRec write's: an optional `expiration`, HALF-YEAR by default.
renew_schema = SiprecSettingsSchema()


def dry_run(domain: str, number: str, outcome: str):
    """The platform's decision for `outcome`, by the same code, counted nowhere."""
    entry = store.ivr_decision_entry(session(), domain.lower(), number, clock.now())
    answer = decision.decide(entry, outcome)
    answer["sipRequest"] = sip_request.sip_request(answer["command"]) if answer["apply"] else None
    return json_response(answer)


def usage(domain: str, number: str, to: int | None = None, bucket: str | None = None,
          **query):
    # `from` is a Python keyword: Connexion hands it over by name in **query.
    asked = usage_range(query.get("from"), to, bucket)
    db = session()
    used = entry_use(db, domain.lower(), number, clock.now())
    if used is None:
        return _not_found(domain, number)
    answer = {"count": used.count, "lastUsedAt": used.last_used_at,
              "lastOutcome": used.last_outcome}
    if asked is not None:
        answer["series"] = entry_series(db, domain.lower(), number, used.entry_version, *asked)
    return json_response(answer)


def list_history(domain: str, number: str):
    data = [
        {"version": row.version, "at": row.at, "by": row.by, "action": row.action,
         "mode": row.mode, "command": row.command, "ttl": row.ttl}
        for row in history.versions(session(), domain.lower(), number)
    ]
    return json_response({"data": data, "success": True})


def restore(domain: str, number: str, body: dict, user: str | None = None):
    settings = restore_schema.load(body)
    db, now, wanted = session(), clock.now(), settings["version"]
    old = history.find_version(db, domain.lower(), number, wanted)
    if old is None:
        return problem(404, f"The IVR fallback for '{number}' has no version {wanted}.")
    if old.mode is None:
        return problem(400, f"version: version {old.version} is a delete; there is nothing to "
                       "restore", {"version": "a delete cannot be restored"})
    if "expiration" in settings:
        expires_at = settings["expiration"]
    elif old.ttl > now:
        expires_at = old.ttl
    else:
        return problem(400, f"expiration: version {old.version} expired at {old.ttl}; send a "
                       "new expiration to restore it",
                       {"expiration": "required: the version expired"})
    change = history.Change(old.mode, old.command, expires_at)
    try:
        version = history.set_entry(db, domain.lower(), number, change, by=user, now=now,
                                    action=history.RESTORE, if_match=if_match(),
                                    if_none_match=if_none_match())
    except history.PreconditionFailed as failed:
        return precondition_failed(failed, number)
    return json_response({"success": True, "version": version}, headers={"ETag": etag(version)})


def renew(domain: str, number: str, body=None, user: str | None = None):
    expires_at = renew_expiry(body)
    try:
        version = history.renew_entry(session(), domain.lower(), number, expires_at, by=user,
                                      now=clock.now(), if_match=if_match(),
                                      if_none_match=if_none_match())
    except history.PreconditionFailed as failed:
        return precondition_failed(failed, number)
    if version is None:
        return _not_found(domain, number)
    return json_response({"success": True, "ttl": expires_at}, headers={"ETag": etag(version)})


def renew_expiry(body):
    """The renewal's expiry (unix seconds) from an optional body (JSON or absent: the
    request guard refuses any other, app/contract/middleware.py)."""
    return renew_schema.load(body or {})["expiration"]
