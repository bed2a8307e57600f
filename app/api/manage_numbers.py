"""The management API's list of a domain's IVR numbers: a page at a time, searched."""

from app import clock
from app.api import json_response
from app.storage import store
from app.storage.db import session


def list_numbers(domain: str, limit: int = 50, after: str | None = None,
                 contains: str | None = None):
    # One more than the page, to know whether another page follows.
    rows = store.page_of_numbers(session(), domain.lower(), clock.now(), limit + 1,
                                 after=after, contains=contains)
    page = rows[:limit]
    data = [{"number": number, "mode": mode, "ttl": ttl} for number, mode, ttl in page]
    following = page[-1].number if len(rows) > limit else None
    return json_response({"data": data, "next": following, "success": True})
