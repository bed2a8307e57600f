"""The SIPRec fallback cache as customers see it: ask about a number, or delete it."""

from app import clock
from app.storage import store
from app.api import json_response
from app.storage.db import read_session, session


def get_status(domain: str, number: str):
    expires_at = store.siprec_expiry(read_session(), domain.lower(), number, clock.now())
    return json_response({"inCache": expires_at is not None})


def delete_entry(domain: str, number: str):
    db = session()
    deleted = store.delete_siprec_entry(db, domain.lower(), number, clock.now())
    db.commit()
    return json_response({"deleted": deleted})
