"""What the bot exports on /metrics, and what a PromQL expression selects, for checking dashboards and rules.

A dashboard panel or an alert that names a metric the bot does not export (or a label it does not
carry) shows nothing and never fires, silently. These helpers let a test compare the two exactly:
the exported names come from `dispatchbot.metrics.Metrics` itself, and expressions are parsed with
a real PromQL parser rather than matched by regular expressions.
"""

from __future__ import annotations

import re

import promql_parser
from prometheus_client.metrics import MetricWrapperBase

from dispatchbot.metrics import Metrics

TARGET_LABELS = frozenset({"job", "instance"})
"""Labels Prometheus adds to every scraped series."""
BUILTIN_SERIES = {"up": TARGET_LABELS}
"""Series Prometheus records about each scrape itself."""
_SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}
_GRAFANA_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def exported_series() -> dict[str, frozenset[str]]:
    """Every series name a scrape of the bot can hold, with the labels it may carry."""
    series = dict(BUILTIN_SERIES)
    for metric in vars(Metrics()).values():
        if not isinstance(metric, MetricWrapperBase):
            continue
        # prometheus_client keeps a metric's label names only here; families carry them per sample.
        labels = frozenset(metric._labelnames) | TARGET_LABELS
        for family in metric.describe():
            for suffix in _SAMPLE_SUFFIXES[family.type]:
                series[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


def without_grafana_variables(expr: str) -> str:
    """The expression with Grafana's `$variables` replaced by values PromQL accepts."""

    def value(match: re.Match[str]) -> str:
        return (
            "5m" if match[1].startswith("__") and ("interval" in match[1] or match[1] == "__range") else "x"
        )

    return _GRAFANA_VARIABLE.sub(value, expr)


def unknown_references(expr: str, series: dict[str, frozenset[str]]) -> list[str]:
    """Metric names, label matchers and `by (...)` labels in `expr` that the bot does not export."""
    problems: list[str] = []
    grouping: set[str] = set()
    allowed_labels: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name not in series:
                problems.append(f"metric {node.name!r}")
                return
            allowed_labels.update(series[node.name])
            for matcher in node.matchers.matchers:
                if matcher.name not in series[node.name]:
                    problems.append(f"label {matcher.name!r} on {node.name}")
        elif isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            grouping.update(node.modifier.labels)

    promql_parser.walk(promql_parser.parse(expr), visit)
    problems.extend(f"grouping label {label!r}" for label in sorted(grouping - allowed_labels))
    return problems


def label_values(expr: str, label: str) -> set[str]:
    """Values `expr` compares `label` with for equality (`label="value"`)."""
    found: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.update(
                matcher.value
                for matcher in node.matchers.matchers
                if matcher.name == label and matcher.op == promql_parser.MatchOp.Equal
            )

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found
