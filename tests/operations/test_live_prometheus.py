"""Debian's Prometheus scraping a live gunicorn with several workers, with the rules of
deploy/prometheus: the metrics arrive summed over the workers, the recording rules
evaluate, and the alerts see the faults driven (run with `-s` for the figures).

The faults are made in the server's SQLite file from outside: a trigger that refuses the
usage tally's writes (the decisions still read), then the entries' table renamed away
(the decisions answer 503).
"""

import json
import math
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from app import migrate
from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, bearer, make_token
from tests.live_server import free_port, server_on
from tests.operations.helpers import PROMETHEUS, needs_prometheus
from tests.operations.metric_names import RULES, exported_names, rules

WORKERS = 3
JOB = "cache-api"
DECIDE = 'operation="app.api.platform_ivr.decide"'
AUTH = bearer(make_token(scopes=(READ, WRITE, PLATFORM)))
ALWAYS, ON_ERROR = "+4610", "+4611"
FAILED = 40  # decisions answered 503: over 0.1/s over 5 minutes (CacheDatabaseErrors)


class Prometheus:
    """`prometheus` scraping one target every second, evaluating the rules every second."""

    def __init__(self, folder: Path, target: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "prometheus.yml"
        config.write_text(json.dumps({
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in RULES],
            "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}],
        }))
        self.log = open(folder / "prometheus.log", "wb")
        self.process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={folder / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "prometheus exited"
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("prometheus was not ready in time")

    def api(self, path: str, **params):
        answer = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def value(self, expr: str) -> float | None:
        """The single value of an instant query, or None when it has no result."""
        result = self.api("query", query=expr)["result"]
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, expr: str, check, timeout: float = 20) -> float:
        """Query until `check(value)` holds; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(expr)
            if value is not None and check(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{expr} stayed {value}")
            time.sleep(0.25)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def prometheus_and_server(tmp_path):
    database = tmp_path / "cache.sqlite3"
    migrate.upgrade(f"sqlite:///{database}")
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    # The memory of decisions off: the test needs decisions that fail while the database
    # does, which a worker would otherwise answer from what it remembers.
    server = server_on(f"sqlite:///{database}", tmp_path, workers=WORKERS,
                       CACHE_USAGE_FLUSH_SECONDS="1", CACHE_DECISION_MEMORY_SECONDS="0")
    # Its own folder for the workers' metric files, to count who answered what.
    server.env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    prometheus = Prometheus(tmp_path, f"127.0.0.1:{server.port}")
    try:
        with server:
            prometheus.wait_ready()
            yield prometheus, server, database, metrics
    finally:
        prometheus.stop()


def decide(server, number: str, outcome: str) -> int:
    # A new connection each time, so that the workers take turns at accepting them.
    return httpx.get(f"{server.url}/platform/{DOMAIN}/ivrfallback/{number}/decision",
                     params={"outcome": outcome}, headers=AUTH).status_code


def traffic(server) -> dict[int, int]:
    """One round of the platform's calls: fallbacks applied and not, and bad queries."""
    statuses = {}
    for number, outcome, times in ((ALWAYS, "timeout", 12), (ON_ERROR, "answered", 6),
                                   (ALWAYS, "sideways", 3)):
        for _ in range(times):
            status = decide(server, number, outcome)
            statuses[status] = statuses.get(status, 0) + 1
    for _ in range(3):
        assert httpx.get(f"{server.url}/readyz").status_code == 200
    return statuses


def use_count(database: Path, number: str) -> int:
    with sqlite3.connect(database) as connection:
        # The entry's own count (use beyond the series' retention) and its use series.
        return connection.execute(
            "SELECT use_count + (SELECT coalesce(sum(count), 0) FROM ivr_fallback_use AS used "
            "WHERE used.domain = entry.domain AND used.number = entry.number "
            "AND used.entry_version = entry.created_version) "
            "FROM ivr_fallback AS entry WHERE number = ?", (number,)).fetchone()[0]


def decide_requests_per_worker(metrics: Path) -> dict[str, float]:
    """The decisions each worker counted, read from its own metric file (prometheus_client's
    file format, as its multiprocess collector reads it)."""
    from prometheus_client.mmap_dict import MmapedDict

    counts = {}
    for path in metrics.glob("counter_*.db"):
        counted = 0.0
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            _, name, labels, _ = json.loads(key)
            if name == "cache_http_requests_total" and labels.get("operation", "").endswith(
                    "platform_ivr.decide"):
                counted += value
        counts[path.stem.removeprefix("counter_")] = counted
    return counts


@needs_prometheus
def test_prometheus_sees_the_workers_summed_and_the_rules_evaluate(prometheus_and_server,
                                                                   exported):
    prometheus, server, database, metrics = prometheus_and_server
    started = time.monotonic()
    prometheus.wait_for(f'up{{job="{JOB}"}}', lambda up: up == 1)
    for number, mode in ((ALWAYS, "always"), (ON_ERROR, "onError")):
        posted = httpx.post(f"{server.url}/cache/{DOMAIN}/ivrfallback/{number}", headers=AUTH,
                            json={"mode": mode, "command": {"action": {"type": "hangup"}}})
        assert posted.status_code == 200, posted.text

    # Twice, scrapes apart: a series' first sample is its start, so rate() needs a second.
    rounds = [traffic(server)]
    time.sleep(2.5)
    rounds.append(traffic(server))
    assert rounds[0] == rounds[1] == {200: 18, 400: 3}

    # The usage tally's writes refused: applied decisions pile up, every flush fails.
    with sqlite3.connect(database) as connection:
        # The flush upserts the use series: both ways of writing a row refused.
        for event in ("INSERT", "UPDATE"):
            connection.execute(f"CREATE TRIGGER refuse_usage_{event} BEFORE {event} ON "
                               "ivr_fallback_use BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    assert [decide(server, ALWAYS, "timeout") for _ in range(6)] == [200] * 6
    time.sleep(2.5)
    # The entries' table gone: decisions answer 503, twice, scrapes apart; over 30 in all,
    # so that CacheDatabaseErrors' rate over 5 minutes passes 0.1/s.
    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE ivr_fallback RENAME TO ivr_fallback_away")
    failed = [decide(server, ALWAYS, "timeout") for _ in range(FAILED // 2)]
    time.sleep(2.5)
    failed += [decide(server, ALWAYS, "timeout") for _ in range(FAILED // 2)]
    assert failed == [503] * FAILED
    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE ivr_fallback_away RENAME TO ivr_fallback")
        connection.execute("DROP TRIGGER refuse_usage_INSERT")
        connection.execute("DROP TRIGGER refuse_usage_UPDATE")
    scraped = httpx.get(f"{server.url}/metrics").text

    # Summed over the workers: Prometheus's sums are exactly what was sent, though
    # several workers answered (each counts in its own file).
    decisions = 2 * 21 + 6 + FAILED
    assert prometheus.wait_for(f"sum(cache_http_requests_total{{{DECIDE}}})",
                               lambda total: total == decisions) == decisions
    per_worker = decide_requests_per_worker(metrics)
    assert sum(per_worker.values()) == decisions
    assert len([count for count in per_worker.values() if count]) >= 2, per_worker
    assert prometheus.value(f'sum(cache_http_requests_total{{{DECIDE},status="400"}})') == 6
    assert prometheus.value('sum(cache_fallback_decisions_total{applied="true"})') == 2 * 12 + 6
    assert prometheus.value('sum(cache_fallback_decisions_total{applied="false"})') == 2 * 6
    assert prometheus.value("sum(cache_database_errors_total)") == FAILED
    assert prometheus.value('sum(cache_readiness_checks_total{ready="true"})') == 6
    assert prometheus.value("sum(cache_fallback_usage_flush_failures_total)") >= 1
    assert prometheus.value("count(cache_worker_resident_memory_bytes)") == WORKERS
    assert prometheus.value("min(cache_worker_resident_memory_bytes)") > 10 * 2**20
    assert prometheus.value("sum(cache_fallback_usage_rows_written_total)") >= 1
    # The tally the refused flushes kept is written once the writes are allowed again.
    deadline = time.monotonic() + 10
    while use_count(database, ALWAYS) != 2 * 12 + 6 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert use_count(database, ALWAYS) == 2 * 12 + 6
    # What gunicorn exports is what the tests of the rules and the dashboard take as exported.
    assert exported_names(scraped) <= exported

    # The recording rules evaluate on what was scraped.
    rate = prometheus.wait_for(f'cache:decision_requests:rate5m{{job="{JOB}"}}',
                               lambda value: value > 0)
    errors = prometheus.wait_for(f'cache:decision_errors:ratio_rate5m{{job="{JOB}"}}',
                                 lambda value: value > 0)
    p99 = prometheus.wait_for(f'cache:decision_latency_seconds:p99_rate5m{{job="{JOB}"}}',
                              lambda value: 0 < value < math.inf)
    prometheus.wait_for(f'cache:fallbacks_on_failure:ratio_rate5m{{job="{JOB}"}}',
                        lambda value: 0 < value <= 1)
    prometheus.wait_for(f'cache:decision_slow:ratio_rate3d{{job="{JOB}"}}',
                        lambda value: 0 <= value <= 1)
    # Every rule loaded, and none failed to evaluate.
    loaded = [rule for group in prometheus.api("rules")["groups"] for rule in group["rules"]]
    assert len(loaded) == len(rules())
    assert [(rule["name"], rule["lastError"]) for rule in loaded if rule["health"] != "ok"] == []

    # The alerts see the faults: the decisions' 503s burn the budget at once (no `for`),
    # the database errors and the failing flushes wait out their `for`.
    deadline = time.monotonic() + 20
    while True:
        states = {alert["labels"]["alertname"]: alert["state"]
                  for alert in prometheus.api("alerts")["alerts"]}
        if {"CacheDecisionErrorBudgetBurn", "CacheDatabaseErrors",
                "CacheUsageFlushFailing"} <= states.keys() or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert states.get("CacheDecisionErrorBudgetBurn") == "firing", states
    assert states.get("CacheDatabaseErrors") == "pending", states
    assert states.get("CacheUsageFlushFailing") == "pending", states
    answered = sorted((count for count in per_worker.values() if count), reverse=True)
    print(f"\nlive Prometheus: {decisions} decisions, answered by {WORKERS} workers as "
          f"{' + '.join(f'{count:.0f}' for count in answered)}, "
          f"{rate:.2f}/s, 5xx share {errors:.1%}, p99 {p99 * 1000:.1f} ms; "
          f"alerts {states}; {time.monotonic() - started:.1f} s")
