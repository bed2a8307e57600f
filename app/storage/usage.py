"""Reads of fallback use: an entry's totals and series, a domain's series and top numbers.

The tally (app/storage/tally.py) writes the use series, `ivr_fallback_use`: counts per
entry, UTC hour and outcome. An entry's use is its own columns (what the purge folded
in from series rows past retention) plus its series rows, counted under the version
that created the entry, so a deleted entry's use stays in its domain's series and
never passes to a later entry of the same number.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, desc, func, select
from sqlalchemy.orm import Session

from app.expiration import DAY_SECONDS
from app.storage.models import IvrFallback, IvrFallbackUse
from app.storage.tally import HOUR_SECONDS

BUCKET_SECONDS = {"hour": HOUR_SECONDS, "day": DAY_SECONDS}
TOP_NUMBERS = 20

Use = IvrFallbackUse


@dataclass(frozen=True)
class EntryUse:
    count: int
    last_used_at: int | None
    last_outcome: str | None
    # The version that created the entry: its series rows are counted under it.
    entry_version: int


_ENTRY = select(
    IvrFallback.use_count, IvrFallback.last_used_at, IvrFallback.last_outcome,
    IvrFallback.created_version,
).where(
    IvrFallback.domain == bindparam("domain"), IvrFallback.number == bindparam("number"),
    IvrFallback.expires_at > bindparam("now"),
)
_OF_ENTRY = (
    Use.domain == bindparam("domain"), Use.number == bindparam("number"),
    Use.entry_version == bindparam("entry_version"),
)
_SERIES_TOTAL = select(func.coalesce(func.sum(Use.count), 0)).where(*_OF_ENTRY)
# The latest use is in the entry's latest hour (the key's order, read backwards).
_SERIES_LATEST = (
    select(Use.last_at, Use.outcome).where(*_OF_ENTRY)
    .order_by(desc(Use.hour), desc(Use.last_at), Use.outcome).limit(1)
)


def entry_use(session: Session, domain: str, number: str, now: int) -> EntryUse | None:
    """The live entry's count, last use and its outcome; None when there is no live entry."""
    entry = session.execute(_ENTRY, {"domain": domain, "number": number, "now": now}).first()
    if entry is None:
        return None
    key = {"domain": domain, "number": number, "entry_version": entry.created_version}
    # int(): PostgreSQL's sum of bigints is a numeric (a Decimal here).
    count = entry.use_count + int(session.execute(_SERIES_TOTAL, key).scalar_one())
    latest = session.execute(_SERIES_LATEST, key).first()
    last_used_at, last_outcome = entry.last_used_at, entry.last_outcome
    if latest is not None and (last_used_at is None or latest.last_at >= last_used_at):
        last_used_at, last_outcome = latest.last_at, latest.outcome
    return EntryUse(count, last_used_at, last_outcome, entry.created_version)


def _in_range(start: int, end: int):
    """The hours that overlap [start, end)."""
    return Use.hour > start - HOUR_SECONDS, Use.hour < end


def _series(rows, bucket: str) -> list[dict]:
    """(hour, outcome, count) rows, oldest first, as the API's series items per bucket."""
    size = BUCKET_SECONDS[bucket]
    items: dict[int, dict] = {}
    for hour, outcome, count in rows:
        count = int(count)
        at = hour - hour % size
        item = items.setdefault(at, {"at": at, "count": 0, "outcomes": {}})
        item["count"] += count
        item["outcomes"][outcome] = item["outcomes"].get(outcome, 0) + count
    return [items[at] for at in sorted(items)]


def entry_series(session: Session, domain: str, number: str, entry_version: int,
                 start: int, end: int, bucket: str) -> list[dict]:
    """The entry's use per bucket over the hours that overlap [start, end)."""
    rows = session.execute(
        select(Use.hour, Use.outcome, func.sum(Use.count))
        .where(Use.domain == domain, Use.number == number, Use.entry_version == entry_version,
               *_in_range(start, end))
        .group_by(Use.hour, Use.outcome)
    ).all()
    return _series(rows, bucket)


def domain_use(session: Session, domain: str, start: int, end: int,
               bucket: str) -> tuple[list[dict], list[dict]]:
    """The domain's use per bucket, and its numbers used most, over the hours that overlap
    [start, end). Deleted entries' use included."""
    in_range = (Use.domain == domain, *_in_range(start, end))
    rows = session.execute(
        select(Use.hour, Use.outcome, func.sum(Use.count))
        .where(*in_range).group_by(Use.hour, Use.outcome)
    ).all()
    total = func.sum(Use.count).label("total")
    top = session.execute(
        select(Use.number, total).where(*in_range).group_by(Use.number)
        .order_by(desc(total), Use.number).limit(TOP_NUMBERS)
    ).all()
    return _series(rows, bucket), [{"number": number, "count": int(count)} for number, count in top]
