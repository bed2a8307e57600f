"""The platform's own operations (openapi/platform.yaml)."""

from app import clock, store
from app.api import json_response
from app.db import session
from app.errors import problem
from app.schemas import SiprecSettingsSchema

siprec_settings_schema = SiprecSettingsSchema()
# What Connexion hands over when a request without Content-Type has no body
# (the schema's default, serialised): the body is optional here.
EMPTY_BODIES = (b"", b"{}")


def set_siprec_entry(domain: str, number: str, body=None, user: str | None = None):
    if isinstance(body, bytes):
        if body.strip() not in EMPTY_BODIES:
            return problem(415, "A request body must be sent as application/json.")
        body = {}
    settings = siprec_settings_schema.load(body or {})
    db = session()
    store.set_siprec_entry(
        db,
        {
            "domain": domain.lower(),
            "number": number,
            "expires_at": settings["expiration"],
            "updated_at": clock.now(),
            "updated_by": user,
        },
    )
    db.commit()
    return json_response({"success": True})
