"""The yardstick: a minimal plain-Flask app doing the service's GET by key and list.

    YARDSTICK_DATABASE_URL=... YARDSTICK_JWT_SECRET=... \\
        gunicorn --pythonpath benchmarks -k sync -w N -b 127.0.0.1:PORT yardstick:app

benchmarks/run.py starts it beside the service, on the same database, with as
many workers as the service has. It is meant as a fair bar, not a strawman:
the same table and the same SQLAlchemy ORM query by key (unexpired rows only),
the same HS256 token check (signature, exp, iss, aud, the domain grant and the
read scope) and the same compact JSON answer. What it leaves out is what the
service adds on top: Connexion's routing and validation against the spec,
request ids, the JSON access log, metrics, CORS and the body guard. It answers
only the two GETs the benchmark compares (an entry, and a domain's numbers).

Served the classic WSGI way: gunicorn sync workers, one request at a time per
process, no keep-alive (gunicorn's sync worker closes each connection);
engine with SQLAlchemy's default pool, no pre-ping.
"""

import json
import os
import time

import jwt
from flask import Flask, Response, abort, request
from sqlalchemy import JSON, BigInteger, String, create_engine, select
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


@app.get("/cache/<domain>/ivrfallback")
def list_numbers(domain: str):
    authorize(domain)
    domain = domain.lower()
    with Session(engine) as session:
        numbers = list(session.scalars(
            select(Entry.number)
            .where(Entry.domain == domain, Entry.expires_at > int(time.time()))
            .order_by(Entry.number)
        ))
    return json_response({"data": numbers, "success": True})
