"""The yardstick: a minimal plain-Flask app doing the service's GET by key and list.

    YARDSTICK_DATABASE_URL=... YARDSTICK_JWT_SECRET=... \\
        gunicorn --pythonpath benchmarks -k sync -w N -b 127.0.0.1:PORT yardstick:app

benchmarks/run.py starts it beside the service, on the same database, with as
many workers as the service has. It is meant as a fair bar, what a careful engineer
writes by hand: SQLAlchemy Core statements built once, run on a pooled connection
(unexpired rows only), the same HS256 token check (signature, exp, iss, aud, the
domain grant and the read scope) and the same compact JSON answer. What it leaves
out is what the service adds on top: Connexion's routing and validation against the
spec, request ids, the JSON access log, metrics, CORS and the body guard. It answers
only the two GETs the benchmark compares (an entry, and a domain's numbers).

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
from sqlalchemy import JSON, BigInteger, String, bindparam, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# The service's default issuer and audience (app/config.py).
ISSUER = AUDIENCE = "cache-api"
READ_SCOPE = "cache/read"


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

app = Flask(__name__)
# Imported in each worker after the fork (no --preload), so each has its own pool.
engine = create_engine(os.environ["YARDSTICK_DATABASE_URL"])
secret = os.environ["YARDSTICK_JWT_SECRET"]


def json_response(body: dict) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


def authorize(domain: str) -> None:
    """Abort with 401/403 unless the bearer token may read `domain`."""
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
    if not granted or READ_SCOPE not in claims.get("scope", "").split():
        abort(403)


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
