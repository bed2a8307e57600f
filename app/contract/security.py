"""Bearer-token checks: who the caller is (401) and what it may do (403).

Connexion calls `authorize_public` / `authorize_platform` (named in the specs
as `x-bearerInfoFunc`) before it validates the request, so a caller without
rights to a domain learns nothing about it, not even whether its body is valid.
"""

import math
import re
import time
from pathlib import Path

import jwt
from connexion.exceptions import ProblemException

from app.config import Settings
from app.contract.jwks import KEY_ALGORITHMS, NO_KID, KeySet, RemoteKeySet

READ_SCOPE = "cache/read"
WRITE_SCOPE = "cache/write"
PLATFORM_SCOPE = "cache/platform"
ALL_DOMAINS = "*"
# The spec's `domain` path parameter (openapi/cache.yaml; a test keeps them equal).
# Checked here too, before the grant, so that a malformed domain is a 400 like any
# other bad path rather than a 403 for a domain no token could name.
DOMAIN_PATTERN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
DOMAIN_MAX_LENGTH = 253
# RFC 7519, 4.1.4-4.1.6: NumericDates, which are JSON numbers.
TIME_CLAIMS = ("exp", "nbf", "iat")
# Verified tokens are remembered (the platform sends the same token with every call):
# verifying one is a real share of a call-time request's work
# (docs/decisions/0010-small-costs-on-every-request.md). Only a token that passed every
# check gets in, so a flood of forged tokens neither fills nor evicts anything. An entry
# serves until the token's `exp` (with the leeway, as PyJWT judges it), for a minute at
# most, and, with a JWKS URL, only while the key set it was verified with is the current
# one: a withdrawn key stops being trusted exactly when it would without this memory.
VERIFIED_TOKEN_SECONDS = 60
VERIFIED_TOKENS_MAX = 4096
# ... and at most this many characters of tokens: each entry's claims were decoded
# from its token, so they grow with it (SECURITY.md gives the memory measured).
VERIFIED_TOKENS_MAX_BYTES = 4 * 1024 * 1024
# Longer tokens are refused before anything reads them. Identity providers' access
# tokens are a few hundred bytes to 2 KiB; this leaves room for a long `domains` list
# and keeps a flood of huge validly signed tokens from costing decodes or memory.
TOKEN_MAX_BYTES = 8 * 1024
FIXED_KEYS = object()
# The writer recorded in history and on entries is the token's `sub` (RFC 7519, 4.1.2),
# never Connexion's fallback to `uid`; the columns hold 255 characters. A control
# character or a lone surrogate (JSON allows "\ud800") cannot be stored in a
# PostgreSQL text column, nor read back cleanly from a log or a page.
WRITER_MAX_LENGTH = 255
UNRECORDABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def unauthorized(detail: str) -> ProblemException:
    return ProblemException(
        status=401,
        title="Unauthorized",
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def cannot_judge(retry_after: int) -> ProblemException:
    """The key server failed: the token may be good, but this service cannot tell."""
    return ProblemException(
        status=503,
        title="Service Unavailable",
        detail="The token's signing key cannot be had from the identity provider's key set "
               "(CACHE_JWT_JWKS_URL); retry later.",
        headers={"Retry-After": str(retry_after)},
    )


def forbidden(detail: str) -> ProblemException:
    return ProblemException(status=403, title="Forbidden", detail=detail)


class TokenVerifier:
    """Verify a JWT's signature and registered claims with the configured keys."""

    def __init__(self, settings: Settings):
        self._settings = settings
        # token -> (its claims, the time.time() until which they may be reused,
        #           the key set that verified it)
        self._verified: dict[str, tuple[dict, float, object]] = {}
        # The characters of the tokens in self._verified.
        self._verified_bytes = 0
        self._remote_keys = None
        self._file_keys = None
        if settings.jwks_url:
            self._remote_keys = RemoteKeySet(
                settings.jwks_url,
                lifetime=settings.jwks_cache_seconds,
                timeout=settings.jwks_fetch_timeout,
                cooldown=settings.jwks_refresh_cooldown,
            )
        elif settings.jwks_file:
            self._file_keys = KeySet(
                jwt.PyJWKSet.from_json(Path(settings.jwks_file).read_text()).keys
            )

    async def claims(self, token: str) -> dict:
        """Return the token's claims, or raise a 401 problem that says what is wrong."""
        if len(token) > TOKEN_MAX_BYTES:
            # An Authorization header's value is latin-1: one character, one byte.
            raise unauthorized(f"The token is longer than {TOKEN_MAX_BYTES} bytes.")
        now = time.time()
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, reuse_until, key_set = remembered
            if now < reuse_until and key_set is self._current_key_set():
                # A copy: a caller that changes its claims must not change the next answer.
                return dict(claims)
            self._forget(token)
        key, algorithms, key_set = await self._key_for(token)
        claims = self._verify(token, key, algorithms)
        if key_set is not self._current_key_set():
            # Due for a refetch, or replaced by one while this token waited.
            return claims
        # `nbf` and `iat` passed already and the clock only goes forward: `exp` alone
        # can end the token's validity (PyJWT: expired once exp <= now - leeway).
        reuse_until = min(now + VERIFIED_TOKEN_SECONDS, claims["exp"] + self._settings.jwt_leeway)
        while self._verified and (len(self._verified) >= VERIFIED_TOKENS_MAX or
                                  self._verified_bytes + len(token) > VERIFIED_TOKENS_MAX_BYTES):
            # The oldest entry goes (dicts keep insertion order).
            self._forget(next(iter(self._verified)))
        # Another request with this token may have put it in while this one awaited.
        self._forget(token)
        self._verified[token] = (claims, reuse_until, key_set)
        self._verified_bytes += len(token)
        return dict(claims)

    def _forget(self, token: str) -> None:
        if self._verified.pop(token, None) is not None:
            self._verified_bytes -= len(token)

    def _current_key_set(self):
        """FIXED_KEYS with a secret or a JWKS file; with a JWKS URL, the key set fetched
        last (a new object after each fetch), or None once it is due for a refetch,
        which is left to the verification (a hit never fetches). While the key server
        fails, the last good set stays current until the cooldown allows a retry."""
        if self._remote_keys is None:
            return FIXED_KEYS
        return self._remote_keys.current()

    async def _key_for(self, token: str) -> tuple:
        """The key and the one algorithm the token must be verified with, and the key set
        they are from; or a 401 (no such key) or a 503 (the key server failed, so the
        key may exist)."""
        if self._remote_keys is None and self._file_keys is None:
            return self._settings.jwt_secret, ["HS256"], FIXED_KEYS
        try:
            kid = jwt.get_unverified_header(token).get("kid", NO_KID)
        except jwt.InvalidTokenError as error:
            raise unauthorized(f"The token is malformed ({error}).") from None
        if self._remote_keys is not None:
            # Fetches the key set first when it is missing, old, or lacks the kid.
            key, key_set, sure = await self._remote_keys.key_for(kid)
            if key is None and not sure:
                raise cannot_judge(self._remote_keys.retry_after())
        else:
            key, key_set = self._file_keys.key_for(kid), FIXED_KEYS
        if key is None:
            raise unauthorized("The token is malformed or not signed with a known key.")
        return (*_pinned(key), key_set)

    def _verify(self, token: str, key, algorithms: list[str]) -> dict:
        """Check the token's signature and claims with PyJWT: its claims, or a 401."""
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._settings.jwt_leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthorized("The token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise unauthorized("The token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise unauthorized("The token is for another audience.") from None
        except jwt.InvalidIssuerError:
            raise unauthorized("The token is from another issuer.") from None
        except jwt.MissingRequiredClaimError as error:
            raise unauthorized(f"The token lacks the '{error.claim}' claim.") from None
        except jwt.exceptions.InvalidSubjectError:
            raise unauthorized("The token's 'sub' claim is not a string.") from None
        except jwt.InvalidSignatureError:
            raise unauthorized("The token's signature is not valid.") from None
        except jwt.InvalidTokenError:
            raise unauthorized("The token is malformed or not signed with a known key.") from None
        for name in TIME_CLAIMS:
            if name in claims and not is_numeric_date(claims[name]):
                raise unauthorized(f"The token's '{name}' claim is not a number (a NumericDate).")
        # RFC 7519 gives no upper bound; exp - iat is how long the issuer meant it to
        # live, and exp - now bounds a token that does not say when it was issued.
        issued_at = claims.get("iat", time.time())
        if claims["exp"] - issued_at > self._settings.jwt_max_lifetime:
            raise unauthorized(
                f"The token lives longer than {self._settings.jwt_max_lifetime} seconds "
                "(exp - iat, or exp - now without iat)."
            )
        if "sub" in claims:
            problem = writer_problem(claims["sub"])
            if problem:
                raise unauthorized(f"The token's 'sub' claim {problem}.")
        return claims

def writer_problem(value) -> str | None:
    """Why `value` cannot be recorded as the writer of a change, or None if it can."""
    if not isinstance(value, str):
        return "is not a string"
    if not 1 <= len(value) <= WRITER_MAX_LENGTH:
        return f"must be 1 to {WRITER_MAX_LENGTH} characters long"
    if UNRECORDABLE.search(value):
        return "holds a control character or a lone surrogate"
    return None


def is_numeric_date(value) -> bool:
    """A finite JSON number, not a boolean (RFC 7519's NumericDate).

    PyJWT takes whatever int() takes ("1999999999", " 1_999_999_999 ", `true` as 1),
    so another verifier of the same token could read its times differently.
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _pinned(jwk: jwt.PyJWK) -> tuple:
    """Return a JWKS key and the one algorithm it verifies (RFC 8725, 3.1).

    The token's `alg` must be the key's own: an RS256 token naming an EC key's
    `kid` would otherwise reach PyJWT's RSA code with an EC key (a TypeError, a 500).
    """
    return jwk.key, [jwk.algorithm_name] if jwk.algorithm_name in KEY_ALGORITHMS else []


def granted_domains(claims: dict) -> set[str]:
    domains = claims.get("domains")
    if not isinstance(domains, list):
        return set()
    # Only DNS names, which are ASCII: str.lower() turns a KELVIN SIGN into a 'k'.
    return {domain.lower() for domain in domains if isinstance(domain, str) and domain.isascii()}


def granted_scopes(claims: dict) -> set[str]:
    """`scope` is a space-separated string (RFC 8693); `scp` a string or an array."""
    scopes: set[str] = set()
    for claim in ("scope", "scp"):
        value = claims.get(claim)
        if isinstance(value, str):
            tokens = value.split(" ")
            # RFC 6749, 3.3: tokens separated by single spaces; a malformed claim grants nothing.
            if all(tokens):
                scopes.update(tokens)
        elif claim == "scp" and isinstance(value, list):
            scopes.update(item for item in value if isinstance(item, str))
    return scopes


async def authorize(token: str, request, required_scope: str) -> dict:
    """Return the claims of a token that grants the path's domain and the scope."""
    claims = await request.state.token_verifier.claims(token)
    domain = request.path_params.get("domain", "")
    # Checked before lowering: str.lower() turns some non-ASCII letters into ASCII ones.
    if len(domain) > DOMAIN_MAX_LENGTH or not DOMAIN_PATTERN.fullmatch(domain):
        raise ProblemException(
            status=400, title="Bad Request", detail=f"The path's domain '{domain}' is not a domain name."
        )
    domain = domain.lower()
    domains = granted_domains(claims)
    if ALL_DOMAINS not in domains and domain not in domains:
        raise forbidden(f"The token does not grant the domain '{domain}'.")
    if required_scope not in granted_scopes(claims):
        raise forbidden(f"The token lacks the '{required_scope}' scope.")
    # Connexion hands handlers `sub`, or `uid` when `sub` is absent: naming `sub`
    # always (None without one) leaves it one claim, checked above.
    return {**claims, "sub": claims.get("sub")}


async def authorize_public(token: str, request) -> dict:
    """The public API: reading needs cache/read, changing needs cache/write."""
    scope = READ_SCOPE if request.method in ("GET", "HEAD") else WRITE_SCOPE
    return await authorize(token, request, scope)


async def authorize_platform(token: str, request) -> dict:
    """The platform API: every operation needs cache/platform."""
    return await authorize(token, request, PLATFORM_SCOPE)


def mint_token(
    settings: Settings, domains: list[str], scopes: list[str], ttl: int, subject: str, now: int
) -> str:
    """Sign a development token with the shared secret (`cache-api token`)."""
    if settings.uses_jwks:
        raise RuntimeError(
            "tokens can only be minted with the shared secret; this service is "
            "configured with JWKS keys (CACHE_JWT_JWKS_URL / CACHE_JWT_JWKS_FILE)"
        )
    if ttl > settings.jwt_max_lifetime:
        raise RuntimeError(
            f"the service refuses tokens that live longer than {settings.jwt_max_lifetime} "
            "seconds (CACHE_JWT_MAX_LIFETIME_SECONDS)"
        )
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "domains": domains,
        "scope": " ".join(scopes),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
