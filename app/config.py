"""Settings: the only place that reads the environment."""

import dataclasses
import ipaddress
import os
import re
import secrets
from pathlib import Path

from flask.sansio.scaffold import find_package

SECRET_FILE_NAME = "jwt-secret"
# RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 256 bits.
MIN_SECRET_BYTES = 32
DATABASE_FILE_NAME = "cache.sqlite3"
# The connection poolers whose transaction mode the database layer knows how to use.
POOLERS = ("pgbouncer",)
SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# Which of the OpenID provider's tokens the console sends to the API as its bearer token.
CONSOLE_TOKENS = ("access_token", "id_token")


def default_instance_path() -> Path:
    """Return the instance folder Flask would pick for this package."""
    prefix, package_path = find_package(__name__.split(".")[0])
    if prefix is None:
        return Path(package_path) / "instance"
    return Path(prefix) / "var" / "cache-api-instance"


class ConfigurationError(ValueError):
    """The CACHE_* settings cannot work; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    jwt_secret: str | None
    jwks_url: str | None
    jwks_file: str | None
    jwt_issuer: str
    jwt_audience: str
    cors_origins: tuple[str, ...]
    # Off in production: Connexion re-validates every response body.
    validate_responses: bool = False
    # Allowed clock skew between the token issuer and this service, in seconds.
    jwt_leeway: int = 30
    # Longest token lifetime accepted, in seconds: `exp - iat`, or `exp - now` for a
    # token without `iat`. A day is the longest access token common identity
    # providers issue; a token valid for years is a leaked credential for years.
    jwt_max_lifetime: int = 86_400
    max_body_bytes: int = 64 * 1024
    # The bulk SIPRec write's limit: 5,000 numbers of 64 characters, quoted, with room.
    max_bulk_body_bytes: int = 512 * 1024
    # The management import's limit (openapi/manage.yaml): up to 10,000 entries of
    # about 800 bytes each; bigger files go through `cache-api import`.
    max_import_body_bytes: int = 8 * 1024 * 1024
    # History retention (`cache-api purge`): versions kept per number, and days
    # after which a version goes (the newest version of a number always stays).
    history_versions: int = 50
    history_days: int = 90
    # Days the use series (fallback use per entry, hour and outcome) is kept; older use
    # still counts in the entry's total.
    usage_days: int = 90
    # Seconds between two writes of the fallback-use tally (app/storage/tally.py): the
    # most counts a crashed process can lose.
    usage_flush_interval: float = 2
    # With a JWKS URL (app/contract/jwks.py): seconds a fetched key set is used before
    # it is fetched again (a withdrawn key stops verifying within this) ...
    jwks_cache_seconds: float = 300
    # ... seconds one whole fetch may take (connecting and every read) ...
    jwks_fetch_timeout: float = 5
    # ... and least seconds between two fetches, whatever forces them (an unknown
    # `kid`, a failed fetch): a rotated key is picked up within this, and made-up
    # kids or a failing key server cannot make this service hammer the IdP.
    jwks_refresh_cooldown: float = 30
    # Seconds between in-process purges of expired entries; 0 leaves purging to `cache-api purge`.
    purge_interval: float = 0
    # Whether the database URL is the embedded default (the dev server may migrate it).
    embedded_database: bool = False
    # A hot standby that answers the call-time and public reads while the primary cannot.
    database_read_url: str | None = None
    # "pgbouncer": the database URLs are a PgBouncer in transaction pooling mode.
    database_pooler: str | None = None
    # Bounded waits on a database that has gone silent (app/storage/db.py). Seconds a
    # connect may take (libpq counts whole seconds, at least 2) ...
    database_connect_timeout: int = 2
    # ... milliseconds sent data may stay unacknowledged before the connection fails
    # (tcp_user_timeout; with keepalives, an idle connection is found dead too) ...
    database_tcp_timeout_ms: int = 500
    # ... the statement timeout of the call-time reads (one primary-key lookup each) ...
    database_read_timeout_ms: int = 500
    # ... the statement timeout of every transaction (writes, lists, exports, the tally) ...
    database_statement_timeout_ms: int = 2000
    # ... and seconds a request waits for a pooled connection when all are in use.
    database_pool_timeout: float = 0.5
    # The decisions each worker remembers for when no database answers
    # (app/decision_memory.py): for how long (0: off), how many, and their size.
    decision_memory_seconds: float = 3600
    decision_memory_entries: int = 20_000
    decision_memory_bytes: int = 16 * 1024 * 1024
    # The console's OpenID Connect sign-in (app/console): the provider's issuer URL and the
    # console's client id there; unset, the console asks for a pasted token instead.
    console_oidc_issuer: str | None = None
    console_oidc_client_id: str | None = None
    # The scopes the console asks the provider for, and which of its tokens is the API's
    # bearer token: "access_token" (a JWT access token, as most providers issue for an
    # API audience) or "id_token" (providers whose access tokens are opaque).
    console_oidc_scope: str = "openid"
    console_oidc_token: str = "access_token"

    @property
    def uses_jwks(self) -> bool:
        return bool(self.jwks_url or self.jwks_file)

    @classmethod
    def from_env(cls, overrides: dict | None = None) -> "Settings":
        """Build the settings from CACHE_* variables, then apply overrides (tests)."""
        env = os.environ
        overrides = dict(overrides or {})
        instance_path = Path(
            overrides.pop("instance_path", None)
            or env.get("CACHE_INSTANCE_PATH")
            or default_instance_path()
        )
        database_url = env.get("CACHE_DATABASE_URL") or ""
        values = dict(
            instance_path=instance_path,
            database_url=database_url
            or f"sqlite:///{instance_path / DATABASE_FILE_NAME}",
            embedded_database=not database_url,
            database_read_url=env.get("CACHE_DATABASE_READ_URL") or None,
            database_pooler=(env.get("CACHE_DATABASE_POOLER") or "").strip().lower() or None,
            database_connect_timeout=positive_int(
                env, "CACHE_DATABASE_CONNECT_TIMEOUT_SECONDS", 2),
            database_tcp_timeout_ms=positive_int(env, "CACHE_DATABASE_TCP_TIMEOUT_MS", 500),
            database_read_timeout_ms=positive_int(env, "CACHE_DATABASE_READ_TIMEOUT_MS", 500),
            database_statement_timeout_ms=positive_int(
                env, "CACHE_DATABASE_STATEMENT_TIMEOUT_MS", 2000),
            database_pool_timeout=_seconds(env, "CACHE_DATABASE_POOL_TIMEOUT_SECONDS", 0.5),
            decision_memory_seconds=_seconds(env, "CACHE_DECISION_MEMORY_SECONDS", 3600,
                                             zero_means="off"),
            decision_memory_entries=positive_int(env, "CACHE_DECISION_MEMORY_ENTRIES", 20_000),
            decision_memory_bytes=positive_int(env, "CACHE_DECISION_MEMORY_BYTES",
                                               16 * 1024 * 1024),
            jwt_secret=env.get("CACHE_JWT_SECRET") or None,
            jwks_url=env.get("CACHE_JWT_JWKS_URL") or None,
            jwks_file=env.get("CACHE_JWT_JWKS_FILE") or None,
            jwt_issuer=env.get("CACHE_JWT_ISSUER") or "cache-api",
            jwt_audience=env.get("CACHE_JWT_AUDIENCE") or "cache-api",
            purge_interval=_seconds(env, "CACHE_PURGE_INTERVAL", 0, zero_means="off"),
            usage_flush_interval=_seconds(env, "CACHE_USAGE_FLUSH_SECONDS", 2),
            history_versions=positive_int(env, "CACHE_HISTORY_VERSIONS", 50),
            history_days=positive_int(env, "CACHE_HISTORY_DAYS", 90),
            jwt_max_lifetime=positive_int(env, "CACHE_JWT_MAX_LIFETIME_SECONDS", 86_400),
            jwks_cache_seconds=_seconds(env, "CACHE_JWT_JWKS_CACHE_SECONDS", 300),
            jwks_fetch_timeout=_seconds(env, "CACHE_JWT_JWKS_TIMEOUT_SECONDS", 5),
            jwks_refresh_cooldown=_seconds(env, "CACHE_JWT_JWKS_COOLDOWN_SECONDS", 30),
            usage_days=positive_int(env, "CACHE_USAGE_DAYS", 90),
            console_oidc_issuer=_text(env, "CACHE_CONSOLE_OIDC_ISSUER"),
            console_oidc_client_id=_text(env, "CACHE_CONSOLE_OIDC_CLIENT_ID"),
            console_oidc_scope=_text(env, "CACHE_CONSOLE_OIDC_SCOPE") or "openid",
            console_oidc_token=_text(env, "CACHE_CONSOLE_OIDC_TOKEN") or "access_token",
            cors_origins=tuple(
                origin.strip()
                for origin in (env.get("CACHE_CORS_ORIGINS") or "*").split(",")
                if origin.strip()
            ),
        )
        if "database_url" in overrides:
            overrides.setdefault("embedded_database", False)
        values.update(overrides)
        settings = cls(**values)
        if settings.jwt_secret and len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"CACHE_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long (HS256)"
            )
        if settings.database_pooler not in (None, *POOLERS):
            raise ConfigurationError(
                f"CACHE_DATABASE_POOLER must be one of {', '.join(POOLERS)} or unset, "
                f"not {settings.database_pooler!r}"
            )
        # Replicas and poolers are PostgreSQL's; an embedded SQLite file has neither.
        if settings.database_read_url or settings.database_pooler:
            for name, url in (("CACHE_DATABASE_URL", settings.database_url),
                              ("CACHE_DATABASE_READ_URL", settings.database_read_url or "")):
                if url and not url.startswith("postgresql"):
                    raise ConfigurationError(
                        f"{name} must be a PostgreSQL URL when CACHE_DATABASE_READ_URL or "
                        "CACHE_DATABASE_POOLER is set"
                    )
        if settings.database_connect_timeout < 2:
            # libpq and psycopg take anything shorter as 2 s: say so rather than pretend.
            raise ConfigurationError(
                "CACHE_DATABASE_CONNECT_TIMEOUT_SECONDS must be at least 2 (libpq's shortest), "
                f"not {settings.database_connect_timeout}"
            )
        if bool(settings.console_oidc_issuer) != bool(settings.console_oidc_client_id):
            raise ConfigurationError(
                "CACHE_CONSOLE_OIDC_ISSUER and CACHE_CONSOLE_OIDC_CLIENT_ID are set together "
                "or not at all"
            )
        if settings.console_oidc_issuer and not re.fullmatch(
                r"https?://[^/?#\s]+(/[^?#\s]*)?", settings.console_oidc_issuer):
            raise ConfigurationError(
                "CACHE_CONSOLE_OIDC_ISSUER must be an http(s) URL without query or fragment, "
                f"not {settings.console_oidc_issuer!r}"
            )
        if settings.console_oidc_token not in CONSOLE_TOKENS:
            raise ConfigurationError(
                f"CACHE_CONSOLE_OIDC_TOKEN must be one of {', '.join(CONSOLE_TOKENS)}, "
                f"not {settings.console_oidc_token!r}"
            )
        if not settings.uses_jwks and not settings.jwt_secret:
            settings = dataclasses.replace(
                settings, jwt_secret=development_secret(instance_path)
            )
        return settings


def trusted_proxies(env=None) -> list[str]:
    """CACHE_TRUSTED_PROXIES: the addresses (or networks) of the proxies in front of the
    server, comma-separated; by default none.

    Only a connection from one of them may say, in X-Forwarded-For and
    X-Forwarded-Proto, which client and scheme it carries (uvicorn's proxy headers):
    from anyone else those headers are ignored, so that a client cannot choose the
    address and scheme it is logged and served with (docs/proxies.md). `*` is refused:
    it would let every client choose.
    """
    value = (os.environ if env is None else env).get("CACHE_TRUSTED_PROXIES") or ""
    proxies = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in proxies:
        try:
            ipaddress.ip_network(entry)
        except ValueError:
            raise ConfigurationError(
                f"CACHE_TRUSTED_PROXIES must list IP addresses or networks (such as "
                f"10.0.0.5 or 10.0.0.0/24) of the proxies in front, not {entry!r}"
            ) from None
    return proxies


def _text(env, name: str) -> str | None:
    return (env.get(name) or "").strip() or None


def positive_int(env, name: str, default: int) -> int:
    value = env.get(name) or str(default)
    # isascii: str.isdigit also takes other scripts' digits, and `²`, which int() refuses.
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _seconds(env, name: str, default: float, zero_means: str | None = None) -> float:
    """A duration in seconds above 0 (or 0, where `zero_means` says what 0 does): ASCII
    digits, with a decimal fraction or not; not float()'s `1_0`, `nan` or `1e3`."""
    value = env.get(name) or str(default)
    if not SECONDS.fullmatch(value) or (float(value) <= 0 and zero_means is None):
        allowed = f"0 ({zero_means}) or more" if zero_means else "above 0"
        raise ConfigurationError(f"{name} must be a number of seconds {allowed}, not {value!r}")
    return int(value) if value.isdigit() else float(value)


def development_secret(instance_path: Path) -> str:
    """Return the development HS256 secret, creating it once in the instance folder.

    Several workers may start at once: each writes a candidate to a private
    file and links it into place; the link is atomic, so the first one wins
    and every process reads the same secret.
    """
    path = instance_path / SECRET_FILE_NAME
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        candidate = instance_path / f".{SECRET_FILE_NAME}.{os.getpid()}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()
