"""ASGI middleware that runs outside Connexion's own: body limit, path guard, CORS."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, problem_body


# Response headers a page on another origin may read (beside the CORS-safelisted ones).
EXPOSED_HEADERS = "X-Request-ID, WWW-Authenticate, Retry-After"


class RequestGuard:
    """Refuse what must never reach Connexion, and make every answer CORS-readable.

    Placed before Connexion's exception middleware so that its headers reach
    every response, errors included. Connexion reads bodies without a limit,
    so the body is read here, up to the limit, and handed on.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, cors_origins, state: dict):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.cors_origins = tuple(cors_origins)
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {}).update(self.state)
        send = self._with_cors(scope, send)
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in scope["path"]):
            # Starlette's and Flask's routers disagree on such paths (a 500).
            await self._refuse(400, "The path contains control characters.", scope, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not declared.isdigit():
            await self._refuse(400, "The Content-Length header is not a number.", scope, send)
            return
        if declared is not None and int(declared) > self.max_body_bytes:
            await self._refuse(413, self._too_large(), scope, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await self._refuse(413, self._too_large(), scope, send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self) -> str:
        return f"The request body is over {self.max_body_bytes // 1024} KiB."

    async def _refuse(self, status: int, detail: str, scope: Scope, send: Send) -> None:
        response = Response(problem_body(status, detail), status, media_type=PROBLEM_MEDIA_TYPE)
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
