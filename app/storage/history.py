"""Versioned writes of the IVR fallback cache, and the history they leave.

Every change of an entry (set, delete, restore, renew, import) is one
transaction here, in three steps:

1. bump the number's counter row (`ivr_fallback_counter`) by one upsert. The
   upsert locks that row until commit (PostgreSQL), or the first write takes the
   database's write lock (SQLite), so writers of one number queue up and each
   gets the next version: never a duplicate, never a gap;
2. write the entry, with that version (its ETag); a conditional write
   (If-Match, If-None-Match) is a single UPDATE/upsert whose WHERE carries the
   condition, so the check and the write are one atomic statement. Both
   conditions are judged in RFC 9110's order (section 13.2.2: If-Match first);
   a write that needs a live entry under `If-None-Match: *` can never happen,
   and is judged by one read, writing nothing;
3. insert the history row under the primary key (domain, number, version).

Unlike app/storage/store.py, each of these functions is a whole transaction and commits
(or rolls back) itself: the write and its history row are one transaction by
construction, and handlers never write history.
"""

import dataclasses
import json
import time

from sqlalchemy import case, delete, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.storage.db import written
from app.storage.models import IvrFallback, IvrFallbackCounter, IvrFallbackHistory
from app.storage.store import INSERT_BY_DIALECT, KEY_COLUMNS

SET, DELETE, RESTORE, RENEW, IMPORT = "set", "delete", "restore", "renew", "import"
# If-Match: * (any current entry).
ANY = "*"
IF_MATCH, IF_NONE_MATCH = "If-Match", "If-None-Match"
# An import batch that loses a deadlock (PostgreSQL aborts one side) is tried again.
DEADLOCK_RETRIES = 3


class PreconditionFailed(Exception):
    """`header` (IF_MATCH or IF_NONE_MATCH) did not hold; `current` is the live entry's
    version (None: there is none)."""

    def __init__(self, header: str, current: int | None):
        super().__init__(header, current)
        self.header = header
        self.current = current


@dataclasses.dataclass(frozen=True)
class Change:
    """What an entry becomes: its mode, command and expiry."""

    mode: str
    command: dict
    expires_at: int


def _key(domain: str, number: str):
    return IvrFallback.domain == domain, IvrFallback.number == number


def _live(domain: str, number: str, now: int):
    return (*_key(domain, number), IvrFallback.expires_at > now)


# The write's statements take their rows as parameters, never as `.values([rows])`: a
# statement with its rows inside cannot be cached and was compiled again on every write.


def _bump(session: Session, domain: str, numbers: list[str]) -> dict[str, int]:
    """Hand out the next version of each number (sorted, so two batches lock in one order).

    Every write of an entry starts here, so here it is marked as written: once the
    session commits, this worker forgets what it remembered of them (`db.after_write`).
    """
    written(session, domain, numbers)
    insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
    counters = IvrFallbackCounter.__table__
    statement = insert(counters).on_conflict_do_update(
        index_elements=KEY_COLUMNS, set_={"version": counters.c.version + 1}
    ).returning(counters.c.number, counters.c.version)
    return dict(session.execute(statement, [
        {"domain": domain, "number": number, "version": 1} for number in sorted(numbers)
    ]).all())


def _write_entries(session: Session, rows: list[dict], now: int) -> None:
    """Insert the entries, or replace them where they exist (a live one keeps its use)."""
    insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
    write = insert(IvrFallback.__table__)
    write = write.on_conflict_do_update(index_elements=KEY_COLUMNS, set_={
        **{name: write.excluded[name] for name in ENTRY_COLUMNS},
        **_keep_usage_if_live(now, write.excluded.created_version),
    })
    session.execute(write, rows)


def _record(session: Session, rows: list[dict]) -> None:
    session.execute(IvrFallbackHistory.__table__.insert(), rows)


def _history_row(domain, number, version, now, by, action, change: Change | None) -> dict:
    return {
        "domain": domain, "number": number, "version": version, "at": now, "by": by,
        "action": action,
        "mode": change and change.mode,
        "command": change and change.command,
        "ttl": change and change.expires_at,
    }


def _entry_row(domain, number, version, now, by, change: Change) -> dict:
    return {
        "domain": domain, "number": number, "mode": change.mode, "command": change.command,
        "expires_at": change.expires_at, "updated_at": now, "updated_by": by, "version": version,
        "created_version": version,
    }


# What a write replaces in an existing row (the key stays; usage: see below).
ENTRY_COLUMNS = ("mode", "command", "expires_at", "updated_at", "updated_by", "version")


def _keep_usage_if_live(now: int, new_version) -> dict:
    """A replaced live entry keeps its usage counts and the version that created it (under
    which its use series is counted); an expired one was gone already, and its
    successor's use starts from nothing."""
    was_live = IvrFallback.expires_at > now
    return {
        "use_count": case((was_live, IvrFallback.use_count), else_=0),
        "last_used_at": case((was_live, IvrFallback.last_used_at), else_=None),
        "last_outcome": case((was_live, IvrFallback.last_outcome), else_=None),
        "created_version": case((was_live, IvrFallback.created_version), else_=new_version),
    }


def current_version(session: Session, domain: str, number: str, now: int) -> int | None:
    return session.scalar(select(IvrFallback.version).where(*_live(domain, number, now)))


def _matches(if_match, version: int | None) -> bool:
    """Whether If-Match (ANY or a list of versions) holds for the live entry's version."""
    return version is not None and (if_match == ANY or version in if_match)


def _version_condition(if_match) -> tuple:
    """The WHERE clause of If-Match on a write of the live entry (ANY: the entry itself)."""
    return () if if_match in (None, ANY) else (IvrFallback.version.in_(if_match),)


def _fail(session: Session, domain: str, number: str, now: int, header: str):
    """Undo the bump (no version is spent on a refused write) and say what is current."""
    session.rollback()
    raise PreconditionFailed(header, current_version(session, domain, number, now))


def _judge_if_none_match(session: Session, domain: str, number: str, now: int, if_match) -> None:
    """`If-None-Match: *` on a write that needs a live entry (one with If-Match, a renew, a
    delete): it can never write. Raise for the condition that fails first (If-Match);
    return when neither fails (no live entry, no If-Match): the write has nothing to do."""
    current = current_version(session, domain, number, now)
    session.rollback()
    if if_match is not None and not _matches(if_match, current):
        raise PreconditionFailed(IF_MATCH, current)
    if current is not None:
        raise PreconditionFailed(IF_NONE_MATCH, current)


def set_entry(
    session: Session, domain: str, number: str, change: Change, *, by: str | None, now: int,
    action: str = SET, if_match=None, if_none_match: bool = False,
) -> int:
    """Create or replace the entry; return its new version.

    `if_match`: ANY or a list of versions the live entry must be; `if_none_match`
    (`If-None-Match: *`): only if there is no live entry. Either failing raises
    PreconditionFailed.
    """
    if if_match is not None and if_none_match:
        # If-Match holds only for a live entry, which If-None-Match: * then refuses.
        _judge_if_none_match(session, domain, number, now, if_match)
    version = _bump(session, domain, [number])[number]
    row = _entry_row(domain, number, version, now, by, change)
    if if_match is not None:
        # Only a live entry is updated: it stays the entry it was (created_version kept).
        values = {name: value for name, value in row.items()
                  if name not in KEY_COLUMNS and name != "created_version"}
        result = session.execute(update(IvrFallback).where(
            *_live(domain, number, now), *_version_condition(if_match)).values(values))
        if result.rowcount == 0:
            _fail(session, domain, number, now, IF_MATCH)
    elif if_none_match:
        # Inserts, or replaces only an expired row (which no longer exists for clients).
        insert = INSERT_BY_DIALECT[session.get_bind().dialect.name]
        statement = insert(IvrFallback).values(row)
        replaced = {name: statement.excluded[name] for name in row if name not in KEY_COLUMNS}
        written = session.execute(statement.on_conflict_do_update(
            index_elements=KEY_COLUMNS,
            set_={**replaced, **_keep_usage_if_live(now, statement.excluded.created_version)},
            where=IvrFallback.expires_at <= now,
        # RETURNING, not rowcount: an ORM insert's rowcount is -1 on psycopg.
        ).returning(IvrFallback.version)).first()
        if written is None:
            _fail(session, domain, number, now, IF_NONE_MATCH)
    else:
        _write_entries(session, [row], now)
    _record(session, [_history_row(domain, number, version, now, by, action, change)])
    session.commit()
    return version


def delete_entry(
    session: Session, domain: str, number: str, *, by: str | None, now: int, if_match=None,
    if_none_match: bool = False,
) -> bool:
    """Delete the live entry; False when there is none (and no If-Match was given).
    Preconditions as in `set_entry`."""
    if if_none_match:
        _judge_if_none_match(session, domain, number, now, if_match)
        return False
    version = _bump(session, domain, [number])[number]
    result = session.execute(
        delete(IvrFallback).where(*_live(domain, number, now), *_version_condition(if_match))
    )
    if result.rowcount == 0:
        if if_match is not None:
            _fail(session, domain, number, now, IF_MATCH)
        session.rollback()
        return False
    _record(session, [_history_row(domain, number, version, now, by, DELETE, None)])
    session.commit()
    return True


def renew_entry(
    session: Session, domain: str, number: str, expires_at: int, *, by: str | None, now: int,
    if_match=None, if_none_match: bool = False,
) -> int | None:
    """Give the live entry a new expiry, as a new version, and return that version; None
    when there is none (and no If-Match was given). Preconditions as in `set_entry`."""
    if if_none_match:
        _judge_if_none_match(session, domain, number, now, if_match)
        return None
    version = _bump(session, domain, [number])[number]
    renewed = session.execute(
        update(IvrFallback)
        .where(*_live(domain, number, now), *_version_condition(if_match))
        .values(expires_at=expires_at, updated_at=now, updated_by=by, version=version)
        .returning(IvrFallback.mode, IvrFallback.command)
    ).first()
    if renewed is None:
        if if_match is not None:
            _fail(session, domain, number, now, IF_MATCH)
        session.rollback()
        return None
    change = Change(renewed.mode, renewed.command, expires_at)
    _record(session, [_history_row(domain, number, version, now, by, RENEW, change)])
    session.commit()
    return version


def import_entries(
    session: Session, domain: str, entries: dict[str, Change], *, by: str | None, now: int
) -> None:
    """Write one batch of entries (each number once) as new versions, in one transaction.

    Three statements whatever the batch's size (bump the counters, upsert the
    entries, insert the history), so a batch of a few hundred rows holds its
    locks for milliseconds. On PostgreSQL each statement takes its rows as
    arrays (`unnest`): a short statement, prepared once, instead of thousands
    of bound values to parse per batch. Elsewhere SQLAlchemy sends multi-row
    INSERTs ("insertmanyvalues").
    """
    numbers = sorted(entries)
    write = _import_unnested if session.get_bind().dialect.name == "postgresql" else _import_rows
    for attempt in range(DEADLOCK_RETRIES):
        try:
            write(session, domain, numbers, entries, by, now)
            session.commit()
            return
        except OperationalError:
            # A deadlock with another writer (e.g. the usage flush) aborted the batch.
            session.rollback()
            if attempt == DEADLOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _import_rows(session, domain, numbers, entries, by, now) -> None:
    bumped = _bump(session, domain, numbers)
    _write_entries(session, [
        _entry_row(domain, number, bumped[number], now, by, entries[number]) for number in numbers
    ], now)
    _record(session, [
        _history_row(domain, number, bumped[number], now, by, IMPORT, entries[number])
        for number in numbers
    ])


# The same three statements for PostgreSQL, rows as arrays. Commands travel as JSON
# text into `json` columns, which keep the text as sent (key order included).
PG_BUMP = text("""
    INSERT INTO ivr_fallback_counter (domain, number, version)
    SELECT :domain, u.number, 1 FROM unnest(CAST(:numbers AS text[])) AS u(number)
    ON CONFLICT (domain, number) DO UPDATE SET version = ivr_fallback_counter.version + 1
    RETURNING number, version
""")
PG_WRITE = text("""
    INSERT INTO ivr_fallback
        (domain, number, mode, command, expires_at, updated_at, updated_by, version,
         created_version)
    SELECT :domain, u.number, u.mode, CAST(u.command AS json), u.expires_at, :now, :by, u.version,
           u.version
    FROM unnest(CAST(:numbers AS text[]), CAST(:modes AS text[]), CAST(:commands AS text[]),
                CAST(:expires AS bigint[]), CAST(:versions AS integer[]))
        AS u(number, mode, command, expires_at, version)
    ON CONFLICT (domain, number) DO UPDATE SET
        mode = excluded.mode, command = excluded.command, expires_at = excluded.expires_at,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by,
        version = excluded.version,
        -- as _keep_usage_if_live: a replaced live entry keeps its usage counts
        use_count = CASE WHEN ivr_fallback.expires_at > :now
                         THEN ivr_fallback.use_count ELSE 0 END,
        last_used_at = CASE WHEN ivr_fallback.expires_at > :now
                            THEN ivr_fallback.last_used_at END,
        last_outcome = CASE WHEN ivr_fallback.expires_at > :now
                            THEN ivr_fallback.last_outcome END,
        created_version = CASE WHEN ivr_fallback.expires_at > :now
                               THEN ivr_fallback.created_version ELSE excluded.created_version END
""")
PG_RECORD = text("""
    INSERT INTO ivr_fallback_history
        (domain, number, version, at, by, action, mode, command, ttl)
    SELECT :domain, u.number, u.version, :now, :by, 'import', u.mode,
           CAST(u.command AS json), u.expires_at
    FROM unnest(CAST(:numbers AS text[]), CAST(:modes AS text[]), CAST(:commands AS text[]),
                CAST(:expires AS bigint[]), CAST(:versions AS integer[]))
        AS u(number, mode, command, expires_at, version)
""")


def _import_unnested(session, domain, numbers, entries, by, now) -> None:
    bumped = dict(session.execute(PG_BUMP, {"domain": domain, "numbers": numbers}).all())
    commands = [json.dumps(entries[number].command) for number in numbers]
    rows = {
        "domain": domain, "now": now, "by": by, "numbers": numbers,
        "modes": [entries[number].mode for number in numbers],
        "commands": commands,
        "expires": [entries[number].expires_at for number in numbers],
        "versions": [bumped[number] for number in numbers],
    }
    session.execute(PG_WRITE, rows)
    session.execute(PG_RECORD, rows)


def versions(session: Session, domain: str, number: str) -> list[IvrFallbackHistory]:
    """Every kept version of the number, newest first (deleted entries included)."""
    return list(session.scalars(
        select(IvrFallbackHistory)
        .where(IvrFallbackHistory.domain == domain, IvrFallbackHistory.number == number)
        .order_by(IvrFallbackHistory.version.desc())
    ))


def find_version(session: Session, domain: str, number: str, version: int) -> IvrFallbackHistory | None:
    return session.get(IvrFallbackHistory, (domain, number, version))

