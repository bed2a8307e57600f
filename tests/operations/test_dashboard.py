"""The Grafana dashboard of deploy/grafana: generated, complete, and every query names
metrics the service exports (or the rules record), so that a renamed metric fails here."""

import importlib.util
import json
import re

from tests.operations.metric_names import PROMETHEUS_SERIES, ROOT, query_names, recorded_names

FOLDER = ROOT / "deploy" / "grafana"
DASHBOARD = json.loads((FOLDER / "cache-api.json").read_text())
# Grafana's template-variable query, not PromQL: label_values(<query>, <label>).
LABEL_VALUES = re.compile(r"label_values\((?P<query>.+),\s*\w+\)")


def builder():
    spec = importlib.util.spec_from_file_location("build_dashboard", FOLDER / "build_dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every query of the dashboard: panels, variables, annotations."""
    found = [(f"panel {panel['title']!r}", target["expr"])
             for panel in DASHBOARD["panels"] for target in panel.get("targets", [])]
    for variable in DASHBOARD["templating"]["list"]:
        if variable["type"] == "query":
            found.append((f"variable {variable['name']}",
                          LABEL_VALUES.fullmatch(variable["query"])["query"]))
    found += [(f"annotation {annotation['name']}", annotation["expr"])
              for annotation in DASHBOARD["annotations"]["list"]]
    return found


def test_the_json_is_what_the_builder_writes():
    assert (FOLDER / "cache-api.json").read_text() == builder().render(), (
        "regenerate it: python3 deploy/grafana/build_dashboard.py")


def test_every_query_names_metrics_the_service_exports(exported):
    known = exported | recorded_names() | PROMETHEUS_SERIES
    for where, expr in queries():
        read = query_names(expr)
        assert read, where
        assert read <= known, (where, read - known)


def test_it_has_the_parts_an_operator_needs():
    rows = [panel["title"] for panel in DASHBOARD["panels"] if panel["type"] == "row"]
    assert rows == ["Call-time path: the platform's decision", "Database and replica",
                    "Fallbacks", "Usage flush", "Workers"]
    read = set().union(*(query_names(expr) for _, expr in queries()))
    assert {
        "cache:decision_requests:rate5m", "cache:decision_latency_seconds:p99_rate5m",
        "cache:decision_errors:ratio_rate5m", "cache_database_errors_total",
        "cache_replica_reads_total", "cache:replica_read_lag_seconds:p99_rate5m",
        "cache_fallback_decisions_total", "cache_fallback_usage_rows_written_total",
        "cache_fallback_usage_flush_failures_total", "cache_worker_resident_memory_bytes",
    } <= read


def test_panels_have_unique_ids_and_use_the_chosen_data_source():
    ids = [panel["id"] for panel in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))
    for panel in DASHBOARD["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"], panel["title"]
