"""The management API's fallback use over time: a domain's series and top numbers, and the
range rules shared with an entry's usage (app/api/manage_ivr.py)."""

from app.api import json_response
from app.contract.errors import FieldProblem
from app.expiration import DAY_SECONDS
from app.storage import usage
from app.storage.db import session

MAX_RANGE_DAYS = 90


def usage_range(start: int | None, end: int | None,
                bucket: str | None) -> tuple[int, int, str] | None:
    """The asked range and bucket; None when no series is asked for. Raises FieldProblem
    (400 naming the parameter) for a range that is half given, reversed or too long."""
    if start is None and end is None:
        if bucket is not None:
            raise FieldProblem({"from": "is required with 'bucket' (and 'to')"})
        return None
    if start is None:
        raise FieldProblem({"from": "is required with 'to'"})
    if end is None:
        raise FieldProblem({"to": "is required with 'from'"})
    if end <= start:
        raise FieldProblem({"to": "must be after 'from'"})
    if end - start > MAX_RANGE_DAYS * DAY_SECONDS:
        raise FieldProblem({"to": f"must be at most {MAX_RANGE_DAYS} days after 'from'"})
    return start, end, bucket or "hour"


def domain_usage(domain: str, to: int, bucket: str | None = None, **query):
    # `from` is a Python keyword: Connexion hands it over by name in **query.
    start, end, bucket = usage_range(query["from"], to, bucket)
    series, top = usage.domain_use(session(), domain.lower(), start, end, bucket)
    return json_response({"series": series, "top": top})
