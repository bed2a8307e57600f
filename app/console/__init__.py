"""The customers' console at /console/: static files only, a pure client of the APIs.

Every action of the console is a call to the public (`/cache`) or management
(`/manage`) API with the user's bearer token; this blueprint serves nothing but the
files in static/ and config.json, a document rendered once from the settings that
tells the page how users sign in (docs/console.md).
"""

import json
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect

from app.config import Settings
from app.contract.errors import PROBLEM_MEDIA_TYPE, problem_body

STATIC_DIR = Path(__file__).resolve().parent / "static"
BASE_PATH = "/console"
# What a browser may do with the console's pages: load and connect to this server only
# (and to the sign-in provider, when there is one); no inline script or style, no frames,
# no <base>, no plug-ins. Images may also be data: URLs, which is how Pico draws its
# icons (select arrows, check marks); an image cannot run anything.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html",
               ".json": "application/json", ".txt": "text/plain", ".md": "text/markdown"}


def client_config(settings: Settings) -> dict:
    """What the page needs to know of the settings: how users sign in, nothing secret."""
    oidc = None
    if settings.console_oidc_issuer:
        oidc = {
            "issuer": settings.console_oidc_issuer,
            "clientId": settings.console_oidc_client_id,
            "scope": settings.console_oidc_scope,
            "token": settings.console_oidc_token,
        }
    return {"oidc": oidc, "api": {"cache": "/cache", "manage": "/manage"}}


def content_security_policy(settings: Settings) -> str:
    """The policy, letting the page also fetch the provider's discovery and token endpoints."""
    policy = CONTENT_SECURITY_POLICY
    if settings.console_oidc_issuer:
        issuer = urlsplit(settings.console_oidc_issuer)
        policy += f"; connect-src 'self' {issuer.scheme}://{issuer.netloc}"
    return policy


def blueprint(settings: Settings) -> Blueprint:
    """Serve static/ under /console/ (read once: the files are few and small)."""
    console = Blueprint("console", __name__)
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Revalidate on each load, so that an upgrade of the service reaches every page.
        "Cache-Control": "no-cache",
    }
    files = {
        path.relative_to(STATIC_DIR).as_posix(): path.read_bytes()
        for path in sorted(STATIC_DIR.rglob("*")) if path.is_file()
    }
    files["config.json"] = json.dumps(client_config(settings)).encode()

    def media_type(name: str) -> str:
        suffix = Path(name).suffix
        return (MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0]
                or "application/octet-stream")

    def serve(name: str) -> Response:
        body = files.get(name)
        if body is None:
            # The same problem+json as every other unknown path.
            return Response(problem_body(404, f"Nothing is served at '{BASE_PATH}/{name}'."),
                            404, mimetype=PROBLEM_MEDIA_TYPE)
        return Response(body, mimetype=media_type(name), headers=headers)

    @console.get(BASE_PATH)
    def to_index():
        return redirect(f"{BASE_PATH}/", code=308)

    @console.get(f"{BASE_PATH}/")
    def index():
        return serve("index.html")

    @console.get(f"{BASE_PATH}/<path:name>")
    def static_file(name: str):
        return serve(name)

    return console
