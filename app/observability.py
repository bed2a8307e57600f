"""What operators see: request ids, one JSON access-log line per request, Prometheus metrics.

No header is ever logged (tokens travel in Authorization), nor the query string.
"""

import logging
import os
import random
import re
import time
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import current_request_id

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed only if it is short and plain; anything else is replaced.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ROUTING_CONTEXT = "connexion_routing"
NO_OPERATION = "none"

access_log = logging.getLogger("cache_api.access")

REQUESTS = Counter(
    "cache_http_requests_total", "HTTP requests answered.", ["operation", "method", "status"]
)
LATENCY = Histogram(
    "cache_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DATABASE_ERRORS = Counter(
    "cache_database_errors_total", "Requests answered 503 because the database failed."
)


def new_request_id() -> str:
    """32 hex digits, unique, not secret.

    Not uuid4(): its os.urandom() is a system call that lets go of the GIL on the
    event loop's thread, which then waits for a handler thread to give it back; with
    this (Python's generator, reseeded in each forked worker) the call-time path is
    measurably faster (docs/decisions/0010-small-costs-on-every-request.md).
    """
    return f"{random.getrandbits(128):032x}"


class Observability:
    """Outermost middleware: request id in and out, access log line, request metrics."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).getlist(REQUEST_ID_HEADER)
        # Two ids are not refused (a proxy may add its own to a client's): neither is
        # trusted, so the log line and the answer carry one new id, not a chosen one.
        request_id = (incoming[0] if len(incoming) == 1 and ACCEPTED_REQUEST_ID.fullmatch(incoming[0])
                      else new_request_id())
        token = current_request_id.set(request_id)
        # Shared with Connexion's routing (it copies the scope), which names the operation here.
        extensions = scope.setdefault("extensions", {})
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            operation = extensions.get(ROUTING_CONTEXT, {}).get("operation_id") or NO_OPERATION
            REQUESTS.labels(operation, scope["method"], str(status)).inc()
            LATENCY.labels(operation).observe(elapsed)
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    # As uvicorn's proxy headers left them: the proxy's client only
                    # when the proxy is trusted (CACHE_TRUSTED_PROXIES).
                    "client": (scope.get("client") or ("-",))[0],
                    "scheme": scope.get("scheme", "http"),
                    "status": status,
                    "operation": operation,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            current_request_id.reset(token)


class EntriesCollector:
    """`cache_entries{cache=...}`: unexpired entries per cache, counted at scrape time."""

    def __init__(self, count_entries):
        self.count_entries = count_entries

    def collect(self):
        family = GaugeMetricFamily("cache_entries", "Unexpired entries per cache.", labels=["cache"])
        for cache, count in self.count_entries().items():
            family.add_metric([cache], count)
        yield family


class ExpiringCollector:
    """`cache_entries_expiring_soon{cache=...}`: unexpired entries that expire within
    EXPIRING_SOON_DAYS, counted at scrape time, to alert before fallbacks lapse."""

    def __init__(self, count_expiring):
        self.count_expiring = count_expiring

    def collect(self):
        family = GaugeMetricFamily(
            "cache_entries_expiring_soon",
            f"Unexpired entries per cache that expire within {EXPIRING_SOON_DAYS} days.",
            labels=["cache"],
        )
        for cache, count in self.count_expiring().items():
            family.add_metric([cache], count)
        yield family


class WorkerMemoryCollector:
    """`cache_worker_resident_memory_bytes{pid=...}`: each serving process's resident
    memory, read from Linux's /proc at scrape time: under gunicorn every worker (the
    children of this worker's parent, the arbiter), which the summed metrics have no
    process metrics for; otherwise this process."""

    def collect(self):
        family = GaugeMetricFamily(
            "cache_worker_resident_memory_bytes", "Resident memory of each serving process.",
            labels=["pid"],
        )
        pids = [str(os.getpid())]
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            parent = os.getppid()
            try:
                pids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            except OSError:
                pids = []
        page = os.sysconf("SC_PAGE_SIZE")
        for pid in pids:
            try:
                resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone since, or not Linux
            family.add_metric([pid], resident_pages * page)
        yield family


# The window of `cache_entries_expiring_soon`.
EXPIRING_SOON_DAYS = 7


def render_metrics(count_entries, count_expiring=None) -> bytes:
    """The exposition text: this process's (or, under gunicorn, every worker's) metrics."""
    requests = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    entries = CollectorRegistry()
    entries.register(EntriesCollector(count_entries))
    entries.register(WorkerMemoryCollector())
    if count_expiring is not None:
        entries.register(ExpiringCollector(count_expiring))
    return generate_latest(requests) + generate_latest(entries)
