"""The Prometheus rules of deploy/prometheus: they load, their unit tests pass, and every
alert is tested both ways, has a runbook and reads only metrics the service exports."""

import re
import subprocess
from pathlib import Path

import yaml

from tests.operations.helpers import PROMTOOL, needs_prometheus
from tests.operations.metric_names import (
    PROMETHEUS_SERIES, ROOT, RULES, query_names, recorded_names, rules,
)

UNIT_TESTS = Path(__file__).with_name("rules.test.yml")
RUNBOOK = ROOT / "docs" / "operating.md"


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)


def alerts() -> list[dict]:
    return [rule for rule in rules() if "alert" in rule]


@needs_prometheus
def test_the_rules_pass_promtool_check():
    checked = promtool("check", "rules", *map(str, RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("SUCCESS") == len(RULES)


@needs_prometheus
def test_the_rules_pass_their_unit_tests():
    tested = promtool("test", "rules", str(UNIT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_prometheus
def test_the_unit_tests_fail_when_a_threshold_moves(tmp_path):
    """They test the thresholds: the SLO's error budget ten times larger fails them
    (the error-burn cases only, to keep it short)."""
    for path in RULES:
        (tmp_path / path.name).write_text(path.read_text().replace("* 0.001)", "* 0.01)"))
    tests = yaml.safe_load(UNIT_TESTS.read_text())
    tests["rule_files"] = [Path(name).name for name in tests["rule_files"]]
    tests["tests"] = [group for group in tests["tests"]
                      if any(case["alertname"] == "CacheDecisionErrorBudgetBurn"
                             for case in group.get("alert_rule_test", []))]
    (tmp_path / UNIT_TESTS.name).write_text(yaml.safe_dump(tests))
    tested = promtool("test", "rules", str(tmp_path / UNIT_TESTS.name))
    assert tested.returncode != 0
    assert "alertname: CacheDecisionErrorBudgetBurn," in tested.stdout + tested.stderr


def test_every_alert_has_a_case_that_fires_it_and_one_that_does_not():
    fired, quiet = set(), set()
    for group in yaml.safe_load(UNIT_TESTS.read_text())["tests"]:
        for case in group.get("alert_rule_test", []):
            (fired if case["exp_alerts"] else quiet).add(case["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names - fired == set()
    assert names - quiet == set()


def test_every_alert_links_its_runbook_section():
    headings = {re.sub(r"[^a-z0-9-]", "", line.lstrip("#").strip().lower().replace(" ", "-"))
                for line in RUNBOOK.read_text().splitlines() if line.startswith("#")}
    for rule in alerts():
        assert rule["annotations"]["runbook_url"] == (
            f"docs/operating.md#{rule['alert'].lower()}"), rule["alert"]
        assert rule["alert"].lower() in headings, rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]


def test_the_rules_read_only_metrics_the_service_exports(exported):
    known = exported | recorded_names() | PROMETHEUS_SERIES
    for rule in rules():
        read = query_names(rule["expr"])
        assert read, rule
        assert read <= known, (rule.get("record") or rule["alert"], read - known)


def test_the_service_exports_what_the_alerts_need(exported):
    """The names the alerts are about, so that a rename in app/ fails here by name."""
    assert {
        "cache_http_requests_total", "cache_http_request_duration_seconds_bucket",
        "cache_database_errors_total", "cache_readiness_checks_total",
        "cache_replica_reads_total", "cache_replica_read_lag_seconds_bucket",
        "cache_lookup_pauses_total", "cache_fallback_usage_flush_failures_total",
        "cache_fallback_decisions_total", "cache_entries", "cache_entries_expiring_soon",
        "cache_worker_resident_memory_bytes",
    } <= exported


def test_query_names_reads_metrics_and_nothing_else():
    expr = ('sum by (job, le) (rate(cache_http_request_duration_seconds_bucket'
            '{job=~"$job",operation="decide"}[$__rate_interval] offset 1h)) > bool 1e3 * 14.4'
            ' unless on (job) cache:decision_requests:rate5m'
            ' and label_replace(up, "a", "$1", "job", "(.*)")')
    assert query_names(expr) == {
        "cache_http_request_duration_seconds_bucket", "cache:decision_requests:rate5m", "up"}


def test_a_renamed_metric_is_not_an_exported_one(exported):
    assert query_names("rate(cache_http_request_total[5m])") - exported == {
        "cache_http_request_total"}
