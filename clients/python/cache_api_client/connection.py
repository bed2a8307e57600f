"""The client object every generated operation takes: base URL, token, retries, errors."""

from collections.abc import Callable, Generator
from typing import Any

import httpx
from attrs import define, field
from httpx_retries import Retry, RetryTransport

from .client import AuthenticatedClient
from .problems import araise_for_problem, raise_for_problem
from .types import Response

# Sending one of these again changes nothing the first did not, so a 503 (the cache's
# database unreachable: nothing was done) may be retried. POST is never retried: a
# repeated set or import would add versions to the entry's history.
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "DELETE")


class BearerToken(httpx.Auth):
    """`Authorization: Bearer <token>`, the token asked of `source` for each request
    when it is a callable (which should return a cached token until it nears expiry)."""

    def __init__(self, source: str | Callable[[], str] | None):
        self.source = source

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.source() if callable(self.source) else self.source
        if token is not None:
            request.headers["Authorization"] = f"Bearer {token}"
        yield request


@define
class CacheClient(AuthenticatedClient):
    """A client of the cache's three APIs (`/cache`, `/platform`, `/manage`) at `base_url`,
    the server's root.

    `token` is a JWT, a callable returning one, or None (the preflights need none).
    Every answer of 400 or more raises `ProblemError`. A GET, HEAD, OPTIONS or DELETE
    answered 503, or whose connection was refused, is sent again up to `retries` times,
    after the answer's `Retry-After` (at most `max_retry_wait` seconds). `timeout` (seconds or an `httpx.Timeout`) bounds each
    attempt. The other keyword arguments are the generated client's.
    """

    token: str | Callable[[], str] | None = field(kw_only=True)  # type: ignore[assignment]
    raise_on_unexpected_status: bool = field(default=True, kw_only=True)
    _timeout: httpx.Timeout | None = field(
        default=httpx.Timeout(10.0), kw_only=True, alias="timeout", converter=httpx.Timeout)
    retries: int = field(default=2, kw_only=True)
    max_retry_wait: float = field(default=30.0, kw_only=True)

    def _client_arguments(self) -> dict[str, Any]:
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "headers": self._headers,
            "timeout": self._timeout,
            "follow_redirects": self._follow_redirects,
            "auth": BearerToken(self.token),
            **self._httpx_args,
        }

    def _retry(self) -> Retry:
        return Retry(
            total=self.retries,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=[503],
            retry_on_exceptions=[httpx.ConnectError],
            max_backoff_wait=self.max_retry_wait,
            backoff_factor=0.5,  # a 503 without Retry-After: 0.5 s, 1 s, 2 s, ...
        )

    def get_httpx_client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=RetryTransport(httpx.HTTPTransport(verify=self._verify_ssl),
                                         retry=self._retry()),
                event_hooks={"response": [raise_for_problem]},
                **self._client_arguments(),
            )
        return self._client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                transport=RetryTransport(httpx.AsyncHTTPTransport(verify=self._verify_ssl),
                                         retry=self._retry()),
                event_hooks={"response": [araise_for_problem]},
                **self._client_arguments(),
            )
        return self._async_client

    def close(self) -> None:
        """Close the connections of the sync client (`aclose` for the async one)."""
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()


def etag(response: Response[Any]) -> str | None:
    """The `ETag` of a `..._detailed` call's answer: the version to send in `If-Match`."""
    return response.headers.get("ETag")
