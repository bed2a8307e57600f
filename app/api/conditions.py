"""The writes' preconditions (RFC 9110 section 13): `If-Match` and `If-None-Match: *`.

The spec has checked their form (openapi/cache.yaml's parameters, shared by every
write that takes them); app/storage/history.py judges them with the write itself.
"""

import re

from flask import request

from app.contract.errors import problem
from app.storage import history

# A strong entity tag as this service makes them: a quoted version number.
ENTITY_TAG = re.compile(r'"([1-9][0-9]{0,17})"')


def etag(version: int) -> str:
    return f'"{version}"'


def if_match():
    """None (no header), history.ANY, or the versions listed."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    if value.strip() == "*":
        return history.ANY
    return [int(version) for version in ENTITY_TAG.findall(value)]


def if_none_match() -> bool:
    """Whether `If-None-Match: *` was sent (the spec allows no other value)."""
    return "If-None-Match" in request.headers


def precondition_failed(failed: history.PreconditionFailed, number: str):
    """The 412 of an IVR entry's write, with the current ETag when there is an entry."""
    if failed.header == history.IF_NONE_MATCH:
        detail = f"An IVR fallback for '{number}' exists already."
    elif failed.current is not None:
        detail = f"The entry for '{number}' is no longer the version you sent."
    else:
        detail = f"There is no IVR fallback for '{number}' to match."
    headers = {"ETag": etag(failed.current)} if failed.current is not None else None
    return problem(412, detail, headers=headers)
