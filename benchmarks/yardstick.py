"""The yardstick: a minimal plain-Flask app doing the service's GET by key, list and POST.

    YARDSTICK_DATABASE_URL=... YARDSTICK_JWT_SECRET=... \\
        gunicorn --pythonpath benchmarks -k sync -w N -b 127.0.0.1:PORT yardstick:app

benchmarks/run.py starts it beside the service, on the same database, with as
many workers as the service has. It is meant as a fair bar, what a careful engineer
writes by hand: SQLAlchemy Core statements built once, run on a pooled connection
(unexpired rows only), the same HS256 token check (signature, exp, iss, aud, the
domain grant and the read scope) and the same compact JSON answer. What it leaves
out is what the service adds on top: Connexion's routing and validation against the
spec, request ids, the JSON access log, metrics, CORS and the body guard. It answers
only what the benchmark compares: the two GETs (an entry, and a domain's numbers) and
the POST of an entry, which does the service's write by hand: the number's version
counter bumped, the entry upserted (keeping a live entry's use columns, as the service
does), its history row, one transaction; the body checked only for its shape.

The same GET by key through the ORM (`session.scalar(select(Entry))`, the yardstick
of earlier runs) answers under `/orm/cache/...`: a second, named reference.

Served the classic WSGI way: gunicorn sync workers, one request at a time per
process, no keep-alive (gunicorn's sync worker closes each connection);
engine with SQLAlchemy's default pool, no pre-ping.
"""

import json
import os
import time

import jwt
from flask import Flask, Response, abort, request
from sqlalchemy import (
    JSON, BigInteger, Column, Integer, MetaData, String, Table, bindparam, case, create_engine,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# The service's default issuer and audience (app/config.py).
ISSUER = AUDIENCE = "cache-api"
READ_SCOPE, WRITE_SCOPE = "cache/read", "cache/write"
# The expiry periods in days (app/expiration.py); a POST without one gets `HALF-YEAR`.
PERIOD_DAYS = {"DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 91, "HALF-YEAR": 182}


class Base(DeclarativeBase):
    pass


class Entry(Base):
    __tablename__ = "ivr_fallback"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    command: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[int] = mapped_column(BigInteger)


entries = Entry.__table__
# Built once, as the service's own lookups are.
ENTRY = select(entries.c.mode, entries.c.expires_at, entries.c.command).where(
    entries.c.domain == bindparam("domain"), entries.c.number == bindparam("number"),
    entries.c.expires_at > bindparam("now"),
)
NUMBERS = (
    select(entries.c.number)
    .where(entries.c.domain == bindparam("domain"), entries.c.expires_at > bindparam("now"))
    .order_by(entries.c.number)
)

# The write's tables, as much of them as the write names.
metadata = MetaData()
counters = Table("ivr_fallback_counter", metadata, Column("domain", String, primary_key=True),
                 Column("number", String, primary_key=True), Column("version", Integer))
written = Table("ivr_fallback", metadata, *(Column(name, String, primary_key=True)
                                             for name in ("domain", "number")),
                *(Column(name, type_) for name, type_ in (
                    ("mode", String), ("command", JSON), ("expires_at", BigInteger),
                    ("updated_at", BigInteger), ("updated_by", String), ("version", Integer),
                    ("created_version", Integer), ("use_count", BigInteger),
                    ("last_used_at", BigInteger), ("last_outcome", String))))
history = Table("ivr_fallback_history", metadata, *(Column(name, String, primary_key=True)
                                                     for name in ("domain", "number")),
                Column("version", Integer, primary_key=True), Column("at", BigInteger),
                Column("by", String), Column("action", String), Column("mode", String),
                Column("command", JSON), Column("ttl", BigInteger))

app = Flask(__name__)
# Imported in each worker after the fork (no --preload), so each has its own pool.
engine = create_engine(os.environ["YARDSTICK_DATABASE_URL"])
secret = os.environ["YARDSTICK_JWT_SECRET"]
insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[engine.dialect.name]


def _write_statements():
    """The three statements of a write, built once."""
    bump = insert(counters).values(domain=bindparam("domain"), number=bindparam("number"),
                                   version=1)
    bump = bump.on_conflict_do_update(
        index_elements=["domain", "number"], set_={"version": counters.c.version + 1},
    ).returning(counters.c.version)
    entry = insert(written)
    new, was_live = entry.excluded, written.c.expires_at > bindparam("now")
    entry = entry.on_conflict_do_update(index_elements=["domain", "number"], set_={
        **{name: new[name] for name in ("mode", "command", "expires_at", "updated_at",
                                        "updated_by", "version")},
        "use_count": case((was_live, written.c.use_count), else_=0),
        "last_used_at": case((was_live, written.c.last_used_at), else_=None),
        "last_outcome": case((was_live, written.c.last_outcome), else_=None),
        "created_version": case((was_live, written.c.created_version), else_=new.version),
    })
    return bump, entry, history.insert()


BUMP, WRITE_ENTRY, WRITE_HISTORY = _write_statements()


def json_response(body: dict) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


def authorize(domain: str, scope: str = READ_SCOPE) -> dict:
    """Abort with 401/403 unless the bearer token has `scope` on `domain`; return its claims."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    try:
        claims = jwt.decode(
            header[len("Bearer "):], secret, algorithms=["HS256"], audience=AUDIENCE,
            issuer=ISSUER, options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.InvalidTokenError:
        abort(401)
    domains = claims.get("domains") or []
    granted = "*" in domains or domain.lower() in domains
    if not granted or scope not in claims.get("scope", "").split():
        abort(403)
    return claims


@app.get("/cache/<domain>/ivrfallback/<number>")
def get_entry(domain: str, number: str):
    authorize(domain)
    with engine.connect() as connection:
        row = connection.execute(
            ENTRY, {"domain": domain.lower(), "number": number, "now": int(time.time())}
        ).first()
    if row is None:
        abort(404)
    data = {"mode": row.mode, "ttl": row.expires_at, "command": row.command}
    return json_response({"data": data, "success": True})


@app.post("/cache/<domain>/ivrfallback/<number>")
def set_entry(domain: str, number: str):
    claims = authorize(domain, WRITE_SCOPE)
    body = request.get_json(silent=True)
    if (not isinstance(body, dict) or body.get("mode") not in ("always", "onError")
            or not isinstance(body.get("command"), dict)
            or body.get("expiration", "HALF-YEAR") not in PERIOD_DAYS):
        abort(400)
    now, domain = int(time.time()), domain.lower()
    by, command = claims.get("sub"), body["command"]
    expires_at = now + PERIOD_DAYS[body.get("expiration", "HALF-YEAR")] * 86_400
    with engine.begin() as connection:
        version = connection.execute(BUMP, {"domain": domain, "number": number}).scalar_one()
        connection.execute(WRITE_ENTRY, {
            "domain": domain, "number": number, "mode": body["mode"], "command": command,
            "expires_at": expires_at, "updated_at": now, "updated_by": by,
            "version": version, "created_version": version, "use_count": 0, "now": now,
        })
        connection.execute(WRITE_HISTORY, {
            "domain": domain, "number": number, "version": version, "at": now, "by": by,
            "action": "set", "mode": body["mode"], "command": command,
            "ttl": expires_at,
        })
    return json_response({"success": True})


@app.get("/cache/<domain>/ivrfallback")
def list_numbers(domain: str):
    authorize(domain)
    with engine.connect() as connection:
        numbers = connection.execute(
            NUMBERS, {"domain": domain.lower(), "now": int(time.time())}
        ).scalars().all()
    return json_response({"data": numbers, "success": True})


@app.get("/orm/cache/<domain>/ivrfallback/<number>")
def get_entry_orm(domain: str, number: str):
    """The earlier yardstick's GET: an ORM session and an ORM object per request."""
    authorize(domain)
    domain = domain.lower()
    with Session(engine) as session:
        entry = session.scalar(
            select(Entry).where(
                Entry.domain == domain, Entry.expires_at > int(time.time()), Entry.number == number
            )
        )
        if entry is None:
            abort(404)
        data = {"mode": entry.mode, "ttl": entry.expires_at, "command": entry.command}
    return json_response({"data": data, "success": True})
