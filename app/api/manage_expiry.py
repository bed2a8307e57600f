"""The management API's expiry view: what of a domain expires soon, in both caches."""

from app import clock
from app.storage import store
from app.api import json_response
from app.storage.db import session
from app.expiration import DAY_SECONDS


def list_expiring(domain: str, within: int, limit: int = 1000):
    now = clock.now()
    rows = store.expiring_entries(session(), domain.lower(), now, now + within * DAY_SECONDS, limit)
    data = [{"cache": cache, "number": number, "ttl": ttl} for cache, number, ttl in rows]
    return json_response({"data": data, "success": True})
