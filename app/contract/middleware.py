"""ASGI middleware that runs outside Connexion's own: body limit, path and JSON guard, CORS."""

import json
import re
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.contract.errors import PROBLEM_MEDIA_TYPE, problem_body


# Deeper JSON is refused: no command needs it, and parsing, validating and storing
# recurse once per level (a RecursionError, so a 500, from about 500 levels).
MAX_JSON_DEPTH = 32
# The one operation whose body may exceed the usual limit: the platform's bulk SIPRec
# write (up to 5,000 numbers, openapi/platform.yaml).
BULK_WRITE_PATH = re.compile(r"/platform/[^/]+/siprecfallback")
# The management import (up to 10,000 entries, openapi/manage.yaml) has its own limit.
IMPORT_PATH = re.compile(r"/manage/[^/]+/ivrfallback/import")
JSON_MEDIA_TYPE = b"application/json"
# Response headers a page on another origin may read (beside the CORS-safelisted ones).
EXPOSED_HEADERS = "X-Request-ID, WWW-Authenticate, Retry-After, Cache-Stale, ETag"
# The paths that may end with a slash: a Swagger UI index page (`/cache/ui/`) and the
# console's (`/console/`).
INDEX_PAGES = re.compile(r"/[a-z]+/ui/|/console/")
# RFC 3986, 2.3: a %XX of one of these means the character itself, so a proxy may
# decode it and route or filter the path differently from this service (`/%6Detrics`
# would pass a proxy's rule for `/metrics` and reach it here). Not the dot: `%2E` is how
# a client sends the numbers `.` and `..`, whose literal segments clients remove.
ESCAPE_REFUSED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")
PERCENT_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
# C0 controls and DEL; one search instead of a Python test per character
# (docs/decisions/0010-small-costs-on-every-request.md).
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
# A redirect may only name a path of this server (`//host` and `/\\host` are other hosts).
LOCAL_LOCATION = re.compile(r"/(?![/\\])[^\s]*")
# Headers a request may carry once. Of two copies, one intermediary reads the first and
# another the last (Starlette, Connexion and Flask each read the first, or join them).
SINGLE_HEADERS = (b"authorization", b"content-type", b"content-length", b"host", b"origin")
# RFC 6750, 3.1: a request that repeats the token, or sends it more than one way.
AMBIGUOUS_TOKEN_CHALLENGE = 'Bearer error="invalid_request"'


class RequestGuard:
    """Refuse what must never reach Connexion, and make every answer CORS-readable.

    Placed before Connexion's exception middleware so that its headers reach
    every response, errors included. Connexion reads bodies without a limit,
    so the body is read here, up to the limit, and handed on.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_bulk_body_bytes: int,
                 cors_origins, state: dict, max_import_body_bytes: int | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_bulk_body_bytes = max_bulk_body_bytes
        self.max_import_body_bytes = max_import_body_bytes or max_body_bytes
        self.cors_origins = tuple(cors_origins)
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {}).update(self.state)
        send = self._without_redirects(scope, self._with_cors(scope, send))
        refusal = path_refusal(scope["path"], scope.get("raw_path", b""))
        if refusal is not None:
            await self._refuse(400, refusal, scope, send)
            return
        refusal = header_refusal(scope)
        if refusal is not None:
            detail, headers = refusal
            await self._refuse(400, detail, scope, send, headers)
            return
        limit = self._body_limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            await self._refuse(400, "The Content-Length header is not a number.", scope, send)
            return
        if declared is not None and int(declared) > limit:
            await self._refuse(413, self._too_large(limit), scope, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._refuse(413, self._too_large(limit), scope, send)
                return
        refusal = media_type_refusal(scope, bytes(body))
        if refusal is not None:
            await self._refuse(415, refusal, scope, send)
            return
        refusal = json_refusal(bytes(body)) if body and _is_json(scope) else None
        if refusal is not None:
            await self._refuse(400, refusal, scope, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _body_limit(self, scope: Scope) -> int:
        if scope["method"] == "POST" and BULK_WRITE_PATH.fullmatch(scope["path"]):
            return self.max_bulk_body_bytes
        if scope["method"] == "POST" and IMPORT_PATH.fullmatch(scope["path"]):
            return self.max_import_body_bytes
        return self.max_body_bytes

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"The request body is over {limit // 1024} KiB."

    async def _refuse(
        self, status: int, detail: str, scope: Scope, send: Send, headers: dict | None = None
    ) -> None:
        response = Response(
            problem_body(status, detail), status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
        )
        await response(scope, _no_body, send)

    def _allowed_origin(self, scope: Scope) -> tuple[str, bool]:
        """Return the Access-Control-Allow-Origin value and whether it varies by Origin."""
        if "*" in self.cors_origins:
            return "*", False
        origin = Headers(scope=scope).get("origin")
        if origin in self.cors_origins:
            return origin, True
        # Not an allowed origin: name one that is, so browsers refuse to share.
        return self.cors_origins[0] if self.cors_origins else "null", True

    def _with_cors(self, scope: Scope, send: Send) -> Send:
        origin, varies = self._allowed_origin(scope)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Access-Control-Allow-Origin"] = origin
                headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                if varies:
                    headers.add_vary_header("Origin")
            await send(message)

        return send_with_cors

    def _without_redirects(self, scope: Scope, send: Send) -> Send:
        """Answer 404 instead of a redirect to anywhere but a path of this server.

        Starlette redirects `/cache` to `/cache/` with an absolute URL built from the
        Host header (another site, to a client or a cache that trusts it), and
        Werkzeug's redirects lose their Location in the error handlers. The only
        redirects sent are Swagger UI's own, from `/cache/ui` to `/cache/ui/`, and the
        console's, from `/console` to `/console/`.
        """
        replaced = False

        async def send_without_redirects(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                location = Headers(raw=message.get("headers", [])).get("location", "")
                if not LOCAL_LOCATION.fullmatch(location):
                    replaced = True
                    await self._refuse(404, f"Nothing is served at '{scope['path']}'.", scope, send)
            if not replaced:
                await send(message)

        return send_without_redirects


def path_refusal(path: str, raw_path: bytes) -> str | None:
    """Say why a path is refused, or None: each resource has one spelling, and only one.

    Uvicorn, Starlette's router, Flask's router and a proxy in front each normalise
    paths their own way (Flask merges `//`, Starlette redirects `/x/` to `/x`, a proxy
    may remove dot segments or decode %XX), so a path one of them could read as another
    path is refused before any of them sees it. `path` is decoded, `raw_path` as sent.
    None of them removes dot segments, nor cuts `;...` off a segment, nor reads a backslash
    as a slash: those are ordinary segments and characters here. In a domain or a number
    the spec's pattern judges them (`.` and `..` are numbers), elsewhere no route matches.
    """
    if CONTROL_CHARACTER.search(path):
        # Starlette's and Flask's routers disagree on such paths (a 500).
        return "The path contains control characters."
    if b"%2f" in raw_path.lower():
        # Decoded, it is a separator: `ivrfallback%2F1` would be the entry `1` here,
        # and another resource to a proxy that routes on the raw path.
        return "The path contains an encoded slash (%2F)."
    if not path.startswith("/"):
        return "The request target is not a path."
    if "//" in path:
        # Flask merges the slashes where Starlette does not (a 500), and `//metrics`
        # is not `/metrics` to a proxy that keeps it from the public.
        return "The path has an empty segment (a repeated slash)."
    if path.endswith("/") and path != "/" and not INDEX_PAGES.fullmatch(path):
        # Starlette would redirect, to the host the Host header names.
        return "The path ends with a slash."
    for escape in PERCENT_ESCAPE.finditer(raw_path):
        char = chr(int(escape[1], 16))
        if char in ESCAPE_REFUSED:
            return f"The path percent-encodes '{char}' ({escape[0].decode()}); send it as is."
    return None


def header_refusal(scope: Scope) -> tuple[str, dict | None] | None:
    """Say why the request's headers are ambiguous (and the answer's headers), or None."""
    challenge = {"WWW-Authenticate": AMBIGUOUS_TOKEN_CHALLENGE}
    names = [name.lower() for name, _value in scope["headers"]]
    for name in SINGLE_HEADERS:
        if names.count(name) > 1:
            detail = f"The request carries more than one {name.decode().title()} header."
            return detail, challenge if name == b"authorization" else None
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(name == "access_token" for name, _value in query):
        # RFC 6750 allows it, this service does not: a proxy might read that token,
        # this service only the header's.
        return ("A token is accepted only in the Authorization header, not as "
                "'access_token' in the query string."), challenge
    return None


def media_type_refusal(scope: Scope, body: bytes) -> str | None:
    """Say why a request's body is refused for its media type (a 415), or None, and give
    the layers behind this one the media type in one spelling: in lower case, and a JSON
    one without parameters.

    Media types are case-insensitive (RFC 9110, 8.3.1), but Connexion matches them as
    written: `APPLICATION/JSON` skipped its body validation and its JSON parsing, and the
    handler was given bytes. A POST (the only method with a body in the specs) without a
    Content-Type is labelled JSON when its body is empty, so that every layer reads an
    absent optional body alike, and refused when it is not, as a body sent as anything
    else is. JSON is UTF-8 (RFC 8259, 8.1): another charset would be decoded one way by
    Connexion's validator and another by Flask's parser.
    """
    headers = scope["headers"]
    index = next((index for index, (name, _value) in enumerate(headers)
                  if name.lower() == b"content-type"), None)
    if index is None:
        if scope["method"] != "POST":
            return None
        if body:
            return "A request body must be sent with Content-Type: application/json."
        scope["headers"] = [*headers, (b"content-type", JSON_MEDIA_TYPE)]
        return None
    media_type, _, parameters = headers[index][1].partition(b";")
    media_type = media_type.strip().lower()
    if media_type == JSON_MEDIA_TYPE or media_type.endswith(b"+json"):
        for parameter in parameters.split(b";"):
            name, _, value = parameter.partition(b"=")
            if name.strip().lower() == b"charset" and value.strip(b' "').lower() != b"utf-8":
                return "A JSON body is UTF-8: send it without a charset or with charset=utf-8."
        fixed = media_type
    else:
        fixed = media_type + (b";" + parameters if parameters else b"")
    scope["headers"] = [*headers[:index], (headers[index][0], fixed), *headers[index + 1:]]
    return None


class _Refused(ValueError):
    """The body is JSON that Connexion's parser must not be given."""


def _is_json(scope: Scope) -> bool:
    media_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def json_refusal(body: bytes) -> str | None:
    """Say why a JSON body must never reach Connexion, or None to let Connexion judge it.

    Connexion parses with Python's json, which fails with a 500 on deep nesting
    and on integers over 4300 digits, and silently keeps the last of repeated
    keys (other parsers keep the first). Syntax errors are left to Connexion.
    """
    try:
        document = json.loads(body, object_pairs_hook=_unique_keys, parse_int=_integer)
    except RecursionError:
        return f"The request body is nested more than {MAX_JSON_DEPTH} levels deep."
    except _Refused as error:
        return str(error)
    except ValueError:
        return None
    if _depth(document) > MAX_JSON_DEPTH:
        return f"The request body is nested more than {MAX_JSON_DEPTH} levels deep."
    return None


def _unique_keys(pairs: list) -> dict:
    document = {}
    for key, value in pairs:
        if key in document:
            raise _Refused(f"The request body repeats the key '{key}'.")
        document[key] = value
    return document


def _integer(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:
        raise _Refused("A number in the request body has too many digits.") from None


def _depth(document) -> int:
    """The nesting depth of a parsed JSON value, without recursion."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            pending.extend((item, depth + 1) for item in value)
    return deepest


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields the buffered body once, then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
