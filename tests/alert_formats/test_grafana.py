"""Grafana's webhook contact point: Alertmanager's alerts, linked to the rule, dashboard or panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatchbot.alert_formats import AlertFormat, InboundAlert, InboundStatus, ParsedPayload, Severity, parse
from tests.alert_formats.samples import grafana_firing, grafana_resolved, refusal


def test_a_firing_alert_is_read_into_our_shape() -> None:
    body = grafana_firing()

    assert parse(body, "grafana") == ParsedPayload(
        AlertFormat.GRAFANA,
        (
            InboundAlert(
                dedup_key="c6eadffa33fcdf37",
                status=InboundStatus.FIRING,
                title="This alert was triggered for zone us-1",
                severity=Severity.WARNING,
                description="The system has high memory usage",
                labels={"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
                source_url="https://play.grafana.org/alerting/1afz29v7z/edit",
                runbook_url="https://myrunbook.com/runbook/1234",
                occurred_at=datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC),
                raw=body["alerts"][0],
            ),
        ),
    )


def test_a_resolved_alert_keeps_its_key_and_is_timed_by_its_end() -> None:
    (alert,) = parse(grafana_resolved(), "grafana").alerts

    assert alert.dedup_key == "c6eadffa33fcdf37"
    assert alert.status is InboundStatus.RESOLVED
    assert alert.occurred_at == datetime(2021, 10, 12, 8, 21, 3, 157076, tzinfo=UTC)


@pytest.mark.parametrize(
    ("emptied", "source_url"),
    [
        (("generatorURL",), "https://play.grafana.org/d/abc"),
        (("generatorURL", "dashboardURL"), "https://play.grafana.org/d/abc?viewPanel=2"),
        (("generatorURL", "dashboardURL", "panelURL"), ""),
    ],
)
def test_without_the_rule_link_the_dashboard_then_the_panel_is_the_source(
    emptied: tuple[str, ...], source_url: str
) -> None:
    body = grafana_firing()
    body["alerts"][0].update(dict.fromkeys(emptied, ""))

    assert parse(body, "grafana").alerts[0].source_url == source_url


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("labels", "team=blue", "alerts[0].labels"),
        ("dashboardURL", 7, "alerts[0].dashboardURL"),
        ("status", "alerting", "alerts[0].status"),
    ],
)
def test_a_malformed_alert_is_refused_naming_the_field(key: str, value: object, field: str) -> None:
    body = grafana_firing()
    body["alerts"][0].update(generatorURL="", **{key: value})

    error = refusal(body, "grafana")

    assert (error.format, error.field) == ("grafana", field)


def test_a_group_without_alerts_is_refused() -> None:
    body = grafana_firing()
    body["alerts"] = []

    assert refusal(body, "grafana").field == "alerts"
