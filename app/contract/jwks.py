"""Public keys from a JWKS URL (CACHE_JWT_JWKS_URL): fetched off the event loop, within
one deadline for the whole fetch, at most once per cooldown whether the key server
answered or not, and the last good key set kept while the key server fails.

PyJWT's PyJWKClient fetches on the calling thread (the event loop's), with a timeout
per read rather than per fetch, lets any error but its own escape, and forgets
nothing about a failure; its parsing (PyJWK) is kept, one key at a time.
"""

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
import urllib.request

import jwt

log = logging.getLogger(__name__)

# Asymmetric algorithms accepted with JWKS keys; HS256 only with the shared secret.
KEY_ALGORITHMS = ("RS256", "ES256")
# An identity provider's key set is a few KiB; a bigger answer is not one.
KEY_SET_MAX_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
NO_KID = None


class KeySetError(Exception):
    """The key server's answer is not a usable key set; the message says why."""


class KeySet:
    """The usable keys of one key set document (a new object for each fetch)."""

    def __init__(self, keys: list[jwt.PyJWK]):
        self.keys = keys

    def key_for(self, kid) -> jwt.PyJWK | None:
        """The one key a token naming `kid` is verified with: the key of that kid, or
        without a kid the set's only key; None if there is not exactly one."""
        keys = self.keys if kid is NO_KID else [key for key in self.keys if key.key_id == kid]
        return keys[0] if len(keys) == 1 else None


def parse_key_set(raw: bytes) -> KeySet:
    """The usable keys of a JWKS document; a key PyJWT cannot use, or of another
    algorithm, is skipped (and logged) so that the set's other keys still serve.
    A KeySetError if the document is not a key set, or holds keys but none usable."""
    try:
        # bytes: json detects UTF-8/16/32 and raises a ValueError on anything else.
        document = json.loads(raw)
    except ValueError as error:
        raise KeySetError(f"not JSON ({error.__class__.__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeySetError('not a JWKS document ({"keys": [...]})')
    keys = []
    for index, item in enumerate(document["keys"]):
        try:
            key = jwt.PyJWK(item)
        # Foreign data reaches PyJWT's internals: a `kty` or `alg` that is a list is a
        # TypeError, a malformed number a ValueError, not only PyJWT's own errors.
        except Exception as error:  # noqa: BLE001
            log.warning("JWKS key %d skipped: %s: %s", index, error.__class__.__name__, error)
            continue
        if key.algorithm_name not in KEY_ALGORITHMS:
            log.warning("JWKS key %d skipped: algorithm %s is not accepted", index,
                        key.algorithm_name)
            continue
        keys.append(key)
    if document["keys"] and not keys:
        # An empty set withdraws every key; a set of keys none of which can be used is
        # a broken answer, which must not withdraw the keys of the last good one.
        raise KeySetError("no usable key")
    return KeySet(keys)


def fetch(url: str, deadline: float) -> bytes:
    """The key server's answer, read before `deadline` (time.monotonic()).

    urllib's timeout bounds each socket operation; the deadline, checked between the
    reads, bounds the whole, so a server that trickles its body is cut off.
    """
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=max(deadline - time.monotonic(), 0.01)) as answer:
        chunks, size = [], 0
        while chunk := answer.read1(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > KEY_SET_MAX_BYTES:
                raise KeySetError(f"over {KEY_SET_MAX_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError("the whole fetch took longer than its deadline")
            chunks.append(chunk)
        if answer.length:
            # The connection ended before the Content-Length promised.
            raise KeySetError(f"cut off with {answer.length} bytes missing")
    return b"".join(chunks)


class RemoteKeySet:
    """The key set at a URL: the last good one, fetched again when it is older than
    `lifetime` or a token names a kid it lacks, at most once per `cooldown`.

    The event loop only reads the state and awaits fetches; a fetch runs on a thread
    of its own, one at a time, and every token that needs it waits for that one.
    """

    def __init__(self, url: str, lifetime: float, timeout: float, cooldown: float):
        self._url = url
        self._lifetime = lifetime
        self._timeout = timeout
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._key_set: KeySet | None = None
        self._fetched_at = -float("inf")  # monotonic start of the last good fetch
        self._attempted_at = -float("inf")  # monotonic start of the last fetch
        self._failed = False  # whether the last fetch that ended failed
        self._fetch: concurrent.futures.Future | None = None  # the fetch under way

    def current(self) -> KeySet | None:
        """The key set a token would be judged with now without a fetch, or None when a
        fetch is due first (the verified-token memory holds only to this set)."""
        if self._wanted(NO_KID) and self._may_fetch():
            return None
        return self._key_set

    def retry_after(self) -> int:
        """Whole seconds until the next fetch may start (at least 1)."""
        wait = self._attempted_at + self._cooldown - time.monotonic()
        return max(1, int(wait + 0.999))

    async def key_for(self, kid) -> tuple[jwt.PyJWK | None, KeySet | None, bool]:
        """The key for a token naming `kid` (fetching the set first if that is due and
        allowed), the key set it is from, and whether the answer is sure: False when
        there is no key set, or it may lack the key because the key server failed."""
        fetch = None
        if self._wanted(kid):
            fetch = self._start_fetch()
        failed = self._failed
        if fetch is not None:
            failed = not await self._wait(fetch)
        key_set = self._key_set
        key = key_set.key_for(kid) if key_set is not None else None
        return key, key_set, key is not None or not failed and key_set is not None

    def _wanted(self, kid) -> bool:
        """Whether the set should be fetched before judging a token naming `kid`."""
        if self._key_set is None or time.monotonic() - self._fetched_at >= self._lifetime:
            return True
        return kid is not NO_KID and self._key_set.key_for(kid) is None

    def _may_fetch(self) -> bool:
        return self._fetch is not None or time.monotonic() - self._attempted_at >= self._cooldown

    def _start_fetch(self) -> concurrent.futures.Future | None:
        """The fetch under way, else a new one if the cooldown allows, else None."""
        with self._lock:
            if self._fetch is None:
                now = time.monotonic()
                if now - self._attempted_at < self._cooldown:
                    return None
                self._attempted_at = now
                self._fetch = concurrent.futures.Future()
                self._fetch.deadline = now + self._timeout
                # Running: a waiter that gives up cannot cancel it for the others.
                self._fetch.set_running_or_notify_cancel()
                threading.Thread(target=self._run_fetch, args=(self._fetch, now),
                                 name="jwks-fetch", daemon=True).start()
            return self._fetch

    def _run_fetch(self, future: concurrent.futures.Future, started: float) -> None:
        try:
            key_set = parse_key_set(fetch(self._url, future.deadline))
        # Any failure of the key server or of its answer (URLError, HTTPError, reset,
        # timeout, IncompleteRead, not a key set) means the same: no new key set.
        except Exception as error:  # noqa: BLE001
            log.warning("JWKS fetch from %s failed: %s: %s", self._url,
                        error.__class__.__name__, error)
            with self._lock:
                self._failed, self._fetch = True, None
            future.set_result(False)
            return
        with self._lock:
            self._key_set, self._fetched_at = key_set, started
            self._failed, self._fetch = False, None
        future.set_result(True)

    async def _wait(self, fetch: concurrent.futures.Future) -> bool:
        """Whether the fetch brought a key set by its deadline; the loop runs meanwhile."""
        waiting = asyncio.wrap_future(fetch)
        # Not wait_for(): a waiter giving up must not cancel the fetch for the others.
        done, _ = await asyncio.wait({waiting}, timeout=max(0.0, fetch.deadline - time.monotonic()))
        return bool(done) and waiting.result()
