"""The load the scale-out tests put on the cluster, and the figures they print from it."""

import dataclasses
import threading
import time

import httpx
from sqlalchemy import create_engine, text

from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, bearer, make_token
from tests.scaleout.cluster import APP_HOSTS, Cluster

AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM), exp=int(time.time()) + 3600))
IVR = f"/cache/{DOMAIN}/ivrfallback"
# Entries the readers of every load ask about; written once for the session.
SEEDED_IVR, SEEDED_SIPREC = "+4600", "+4601"
CALL = {"mode": "always",
        "command": {"action": {"type": "call", "destAddr": "sip:desk@pbx.example"}}}
# Every write any load of the session saw acknowledged: checked entry by entry at the end.
ACKNOWLEDGED: set[str] = set()


@dataclasses.dataclass
class Result:
    kind: str
    sent: float
    done: float
    status: int | None  # None: no HTTP answer at all
    stale: str | None = None
    number: str | None = None
    detail: str = ""


class Load:
    """Writer and reader threads against HAProxy, one request at a time each, until stopped.

    Writers POST a new number each time (an acknowledged write is a 200); readers ask
    for the call-time decision, the IVR entry and the platform's SIPRec read of the
    seeded numbers (or only the decision, `reads=("decision",)`), and check the answer.
    Bounded: `max_seconds`, then they stop.
    """

    READS = {
        "decision": (f"/platform/{DOMAIN}/ivrfallback/{SEEDED_IVR}/decision?outcome=timeout",
                     lambda body: body["apply"] is True),
        "get_entry": (f"{IVR}/{SEEDED_IVR}", lambda body: body["data"]["mode"] == "always"),
        "siprec": (f"/platform/{DOMAIN}/siprecfallback/{SEEDED_SIPREC}",
                   lambda body: body["inCache"] is True),
    }

    def __init__(self, url: str, prefix: str, writers: int = 3, readers: int = 3,
                 pause: float = 0.01, max_seconds: float = 90, reads=tuple(READS)):
        self.url, self.prefix, self.pause, self.reads = url, prefix, pause, list(reads)
        self.deadline = time.monotonic() + max_seconds
        self.results: list[Result] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(i,)) for i in range(writers)]
        self._threads += [threading.Thread(target=self._read, args=(i,)) for i in range(readers)]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        ACKNOWLEDGED.update(self.acknowledged())

    def running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self.deadline

    def _send(self, client, kind, method, path, check=None, number=None, **kwargs) -> None:
        sent = time.monotonic()
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.results.append(Result(kind, sent, time.monotonic(), None, number=number,
                                       detail=type(error).__name__))
            return
        status, detail = response.status_code, ""
        if status == 200 and check is not None and not check(response.json()):
            status, detail = 0, f"wrong answer: {response.text}"  # 0: answered, but wrongly
        elif status != 200:
            detail = f"{response.headers.get('retry-after')}|{response.text[:200]}"
        self.results.append(Result(kind, sent, time.monotonic(), status,
                                   response.headers.get("cache-stale"), number, detail))

    def _write(self, index: int) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            round_ = 0
            while self.running():
                number = f"{self.prefix}{index}-{round_}"
                self._send(client, "write", "POST", f"{IVR}/{number}", json=CALL, number=number)
                round_ += 1
                time.sleep(self.pause)

    def _read(self, index: int) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            round_ = index
            while self.running():
                kind = self.reads[round_ % len(self.reads)]
                path, check = self.READS[kind]
                self._send(client, kind, "GET", path, check)
                round_ += 1
                time.sleep(self.pause)

    # -- figures --

    def failed(self, since: float = 0, until: float = float("inf"), kinds=None) -> list[Result]:
        return [r for r in self.results if r.status != 200 and since <= r.sent < until
                and (kinds is None or r.kind in kinds)]

    def acknowledged(self) -> set[str]:
        return {r.number for r in self.results if r.kind == "write" and r.status == 200}


def fresh_since(load: Load, since: float, quiet: float = 2.0) -> float | None:
    """When the reads came back to the primary: the end of the last stale-marked read after
    `since`, once every read for `quiet` seconds after it was fresh; None before that.

    A time, not a count of fresh reads: each worker returns on its own (one of its
    statements succeeds, or its probe, once a second), and a worker still on the
    standby may get none of the next few dozen reads while its neighbours answer them.
    """
    answered = [r for r in load.results if r.kind in Load.READS and r.sent > since
                and r.status == 200]
    stale = [r.done for r in answered if r.stale is not None]
    back = max(stale, default=since)
    return back if answered and answered[-1].sent > back + quiet else None


def stored_numbers(cluster: Cluster, prefix: str) -> set[str]:
    """The numbers under `prefix` the primary holds, read through the writer address."""
    engine = create_engine(cluster.primary_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(
                text("SELECT number FROM ivr_fallback WHERE number LIKE :p"),
                {"p": f"{prefix}%"}).scalars())
    finally:
        engine.dispose()


def served_by(cluster: Cluster) -> dict[str, int]:
    """Requests the active HAProxy has sent to each app host so far."""
    rows = {row["svname"]: row for row in cluster.stats() if row["pxname"] == "app"}
    return {host: int(rows[host]["stot"]) for host in APP_HOSTS}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclasses.dataclass
class Figures:
    """What a fault did to the load, from the moment it was injected (`at`)."""
    decisions: int
    decision_errors_first_second: int
    decision_errors_after: list[Result]
    decision_p99_ms: float  # outside the fault's first second
    decision_slowest_ms: float  # outside the fault's first second
    writes: int
    writes_acknowledged: int
    writes_refused: int
    writes_back_after: float  # s from the fault to the first write acknowledged after the last refused one
    missing: set[str]

    @classmethod
    def of(cls, load: Load, cluster: Cluster, at: float) -> "Figures":
        decisions = [r for r in load.results if r.kind == "decision"]
        outside = [r for r in decisions if not at <= r.sent < at + 1]
        errors = [r for r in decisions if r.status != 200 and r.sent >= at]
        writes = [r for r in load.results if r.kind == "write"]
        refused = [r for r in writes if r.status != 200 and r.sent >= at]
        last_refused = max((r.sent for r in refused), default=None)
        back = 0.0
        if last_refused is not None:
            back = min((r.done for r in writes if r.status == 200 and r.sent > last_refused),
                       default=float("inf")) - at
        latencies = [(r.done - r.sent) * 1000 for r in outside]
        return cls(
            decisions=len(decisions),
            decision_errors_first_second=sum(r.sent < at + 1 for r in errors),
            decision_errors_after=[r for r in errors if r.sent >= at + 1],
            decision_p99_ms=percentile(latencies, 0.99),
            decision_slowest_ms=max(latencies, default=0.0),
            writes=len(writes), writes_acknowledged=len(load.acknowledged()),
            writes_refused=len(refused), writes_back_after=back,
            missing=load.acknowledged() - stored_numbers(cluster, load.prefix),
        )

    def line(self) -> str:
        after = self.decision_errors_after
        return (f"decisions {self.decisions}: {self.decision_errors_first_second} failed in the "
                f"fault's first second, {len(after)} after "
                f"{sorted({(r.status, r.detail[:40]) for r in after}, key=str)[:3]}; p99 "
                f"{self.decision_p99_ms:.0f} ms, slowest {self.decision_slowest_ms:.0f} ms "
                f"outside that second; writes {self.writes} ({self.writes_acknowledged} "
                f"acknowledged, {self.writes_refused} refused, accepted again "
                f"{self.writes_back_after:.2f} s after the fault); "
                f"{len(self.missing)} acknowledged writes missing")
