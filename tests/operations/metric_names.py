"""Metric names: those the service exports, and those a PromQL query reads.

The rules and the dashboard may name only what the service exports (so that a renamed
metric fails a test), what the rules record, and Prometheus's own `up` and `ALERTS`.
"""

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent.parent
RULES = sorted((ROOT / "deploy" / "prometheus").glob("*.yml"))
# Prometheus's own series: a target's scrape, and the alerts.
PROMETHEUS_SERIES = frozenset({"up", "ALERTS"})
# The sample names each kind of family is exposed as.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
# PromQL words that look like names: operators, modifiers and literals.
KEYWORDS = frozenset({
    "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
    "group_left", "group_right", "inf", "nan",
})
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w.:$])[A-Za-z_:][A-Za-z0-9_:]*+(?!\s*\()")


def exported_names(metrics_text: str) -> set[str]:
    """The sample names of the service's own families (`cache_*`) in an exposition text,
    whether or not a family has samples yet (one with labels has none until used)."""
    names = set()
    for family in text_string_to_metric_families(metrics_text):
        if family.name.startswith("cache_"):
            names.update(family.name + suffix for suffix in SUFFIXES[family.type])
            names.update(sample.name for sample in family.samples)
    return names


def query_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a lexical reading: strings, label
    matchers, ranges and grouping lists are dropped, then every bare name that is not
    a function call or a keyword is a metric)."""
    expr = _STRING.sub('""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = _GROUPING.sub(" ", expr)
    return {name for name in _NAME.findall(expr) if name not in KEYWORDS}


def rules() -> list[dict]:
    """Every recording and alert rule of deploy/prometheus."""
    return [rule for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}
