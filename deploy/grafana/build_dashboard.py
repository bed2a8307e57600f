"""Write cache-api.json, the Grafana dashboard of cache-api, from the panels below.

    python3 deploy/grafana/build_dashboard.py    # after changing a panel; commit both

The JSON is generated: change this file, not the JSON (tests/operations/test_dashboard.py
checks they agree, and that every query names a metric the service exports or a rule
of deploy/prometheus records). Grafana 9 or later, one Prometheus data source.
"""

import json
from pathlib import Path

OUT = Path(__file__).with_name("cache-api.json")
DECIDE = 'operation="app.api.platform_ivr.decide"'
# Raw metrics follow both variables; the recorded series are per job (summed over instances).
JOB = 'job=~"$job",instance=~"$instance"'
RATE = "$__rate_interval"

# (row title, [(panel title, unit, [(query, legend)], description)])
ROWS = [
    ("Call-time path: the platform's decision", [
        ("Decisions per second, by status", "reqps", [
            (f'sum by (status) (rate(cache_http_requests_total{{{JOB},{DECIDE}}}[{RATE}]))',
             "{{status}}"),
            ('sum(cache:decision_requests:rate5m{job=~"$job"})', "all (5m)"),
        ], "Every decision answered, by HTTP status. 4xx are the platform's own mistakes "
           "(a bad outcome, a token); 5xx count against the SLO."),
        ("Decision latency", "s", [
            ('max(cache:decision_latency_seconds:p50_rate5m{job=~"$job"})', "p50"),
            ('max(cache:decision_latency_seconds:p90_rate5m{job=~"$job"})', "p90"),
            ('max(cache:decision_latency_seconds:p99_rate5m{job=~"$job"})', "p99"),
        ], "Quantiles over 5 minutes, all instances. The SLO: 99 % within 100 ms."),
        ("Errors and slow answers against the SLO", "percentunit", [
            ('max(cache:decision_errors:ratio_rate5m{job=~"$job"})', "5xx share (5m)"),
            ('max(cache:decision_errors:ratio_rate1h{job=~"$job"})', "5xx share (1h)"),
            ('max(cache:decision_slow:ratio_rate5m{job=~"$job"})', "over 100 ms (5m)"),
            ('max(cache:decision_slow:ratio_rate1h{job=~"$job"})', "over 100 ms (1h)"),
        ], "The SLO allows 0.1 % of decisions to fail and 1 % to take over 100 ms "
           "(docs/operating.md)."),
        ("Lookups sent off the event loop", "short", [
            (f'sum by (instance) (increase(cache_lookup_pauses_total{{{JOB}}}[{RATE}]))',
             "{{instance}}"),
        ], "Each is a pause of 5 s or more during which a worker's call-time lookups ran "
           "on its handler threads, because the database answered them slowly."),
        ("Requests per second, by operation", "reqps", [
            (f'sum by (operation) (rate(cache_http_requests_total{{{JOB}}}[{RATE}]))',
             "{{operation}}"),
        ], "Every operation of every spec, for context."),
    ]),
    ("Database and replica", [
        ("Database errors (answered 503)", "reqps", [
            (f'sum by (instance) (rate(cache_database_errors_total{{{JOB}}}[{RATE}]))',
             "{{instance}}"),
        ], "Requests answered 503 because the database failed."),
        ("Readiness checks", "reqps", [
            (f'sum by (instance, ready) (rate(cache_readiness_checks_total{{{JOB}}}[{RATE}]))',
             "{{instance}} ready={{ready}}"),
            (f'up{{{JOB}}}', "{{instance}} scraped"),
        ], "GET /readyz answers by result; an instance whose checks all fail gets no traffic."),
        ("Reads served by the standby", "reqps", [
            (f'sum by (instance) (rate(cache_replica_reads_total{{{JOB}}}[{RATE}]))',
             "{{instance}}"),
        ], "Requests whose reads the standby answered, stale-marked, while the primary "
           "could not be reached."),
        ("How stale the standby's answers are", "s", [
            ('max(cache:replica_read_lag_seconds:p99_rate5m{job=~"$job"})', "p99 lag"),
        ], "The standby's replay lag as its reads found it: what its answers may be missing."),
    ]),
    ("Fallbacks", [
        ("Decisions by outcome asked about", "reqps", [
            (f'sum by (outcome, applied) '
             f'(rate(cache_fallback_decisions_total{{{JOB}}}[{RATE}]))',
             "{{outcome}} applied={{applied}}"),
        ], "What became of asking the customer's system, and whether a fallback applied."),
        ("Fallbacks applied because the customer failed: now and usually", "percentunit", [
            ('max(cache:fallbacks_on_failure:ratio_rate5m{job=~"$job"})', "share (5m)"),
            ('max(cache:fallbacks_on_failure:ratio_rate1d{job=~"$job"})', "share (1d)"),
        ], "A sharp rise over the day's share means many customers' systems fail at once: "
           "something upstream broke."),
        ("Entries", "short", [
            (f'max by (cache) (cache_entries{{{JOB}}})', "{{cache}}"),
            (f'max by (cache) (cache_entries_expiring_soon{{{JOB}}})',
             "{{cache}} expiring within 7 days"),
        ], "Unexpired entries per cache (every instance counts the same database)."),
    ]),
    ("Usage flush", [
        ("Usage rows written", "rowsps", [
            (f'sum by (instance) '
             f'(rate(cache_fallback_usage_rows_written_total{{{JOB}}}[{RATE}]))',
             "{{instance}}"),
        ], "Entry rows the fallback-use tally wrote (one per entry used per flush)."),
        ("Usage flushes failed", "short", [
            (f'sum by (instance) '
             f'(increase(cache_fallback_usage_flush_failures_total{{{JOB}}}[{RATE}]))',
             "{{instance}}"),
        ], "Flushes the database refused; their counts are kept in memory for the next."),
    ]),
    ("Workers", [
        ("Resident memory per worker", "bytes", [
            (f'cache_worker_resident_memory_bytes{{{JOB}}}',
             "{{instance}} pid {{pid}}"),
        ], "Each gunicorn worker's resident memory, read from /proc at scrape time."),
        ("Workers per instance", "short", [
            (f'count by (instance) (cache_worker_resident_memory_bytes{{{JOB}}})',
             "{{instance}}"),
        ], "Worker processes alive at the last scrape."),
    ]),
]


def dashboard() -> dict:
    panels, y, next_id = [], 0, 1
    for row_title, row_panels in ROWS:
        panels.append({"type": "row", "title": row_title, "id": next_id, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id, y = next_id + 1, y + 1
        for index, (title, unit, queries, description) in enumerate(row_panels):
            panels.append({
                "type": "timeseries",
                "title": title,
                "description": description,
                "id": next_id,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": y + 8 * (index // 2)},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
                "targets": [
                    {"refId": chr(ord("A") + number), "expr": expr, "legendFormat": legend,
                     "datasource": {"type": "prometheus", "uid": "${datasource}"}}
                    for number, (expr, legend) in enumerate(queries)
                ],
            })
            next_id += 1
        y += 8 * ((len(row_panels) + 1) // 2)
    return {
        "uid": "cache-api",
        "title": "cache-api",
        "description": "The fallback cache: call-time path, database, fallbacks, usage, "
                       "workers. Runbook: docs/operating.md.",
        "tags": ["cache-api"],
        "timezone": "utc",
        "schemaVersion": 39,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus",
             "label": "Data source"},
            {"name": "job", "type": "query", "label": "Job",
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": "label_values(cache_http_requests_total, job)", "refresh": 2,
             "includeAll": False, "current": {"text": "cache-api", "value": "cache-api"}},
            {"name": "instance", "type": "query", "label": "Instance",
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": 'label_values(cache_http_requests_total{job=~"$job"}, instance)',
             "refresh": 2, "includeAll": True, "allValue": ".*", "multi": True},
        ]},
        "annotations": {"list": [
            {"name": "Alerts", "enable": True, "iconColor": "red",
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "expr": 'ALERTS{alertname=~"Cache.*", alertstate="firing"}',
             "titleFormat": "{{alertname}}", "step": "60s"},
        ]},
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
