"""Alertmanager's webhook: every alert of a group on its own, keyed by fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dispatchbot.alert_formats import AlertFormat, InboundAlert, InboundStatus, ParsedPayload, Severity, parse
from tests.alert_formats.samples import alertmanager_firing, alertmanager_resolved, refusal


def test_a_firing_alert_is_read_into_our_shape() -> None:
    body = alertmanager_firing()

    assert parse(body, "alertmanager") == ParsedPayload(
        AlertFormat.ALERTMANAGER,
        (
            InboundAlert(
                dedup_key="1a30ba71cca2921f",
                status=InboundStatus.FIRING,
                title="Disk 95% on db1",
                severity=Severity.CRITICAL,
                description="/var/lib/postgresql is 95% full",
                labels={"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
                source_url="http://prom/graph?g0.expr=x",
                runbook_url="https://runbooks.example/disk-full",
                occurred_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
                raw=body["alerts"][0],
            ),
        ),
    )


def test_a_resolved_alert_keeps_its_key_and_is_timed_by_its_end() -> None:
    (alert,) = parse(alertmanager_resolved(), "alertmanager").alerts

    assert alert.dedup_key == "1a30ba71cca2921f"
    assert alert.status is InboundStatus.RESOLVED
    assert alert.occurred_at == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)


def test_each_alert_of_a_group_has_its_own_key_and_status() -> None:
    body = alertmanager_firing()
    second = alertmanager_resolved()["alerts"][0]
    second.update(fingerprint="2b41", labels={"alertname": "DiskFull", "instance": "db2"})
    body["alerts"].append(second)

    alerts = parse(body, "alertmanager").alerts

    assert [(alert.dedup_key, alert.status) for alert in alerts] == [
        ("1a30ba71cca2921f", InboundStatus.FIRING),
        ("2b41", InboundStatus.RESOLVED),
    ]
    assert [alert.raw for alert in alerts] == body["alerts"]


def test_an_alert_without_its_own_status_takes_the_groups() -> None:
    body = alertmanager_resolved()
    del body["alerts"][0]["status"]

    assert parse(body, "alertmanager").alerts[0].status is InboundStatus.RESOLVED


def _without_fingerprint(labels: dict[str, str]) -> str:
    body = alertmanager_firing()
    del body["alerts"][0]["fingerprint"]
    body["alerts"][0]["labels"] = labels
    return parse(body, "alertmanager").alerts[0].dedup_key


def test_without_a_fingerprint_the_key_is_a_stable_hash_of_the_sorted_labels() -> None:
    key = _without_fingerprint({"alertname": "DiskFull", "instance": "db1"})

    assert len(key) == 16
    assert int(key, 16) >= 0
    assert key == _without_fingerprint({"instance": "db1", "alertname": "DiskFull"})
    assert key != _without_fingerprint({"alertname": "DiskFull", "instance": "db2"})


@pytest.mark.parametrize(
    ("annotations", "labels", "title"),
    [
        ({"summary": "Disk 95% on db1"}, {"alertname": "DiskFull"}, "Disk 95% on db1"),
        ({}, {"alertname": "DiskFull"}, "DiskFull"),
        ({"summary": ""}, {}, "Alert"),
    ],
)
def test_the_title_is_the_summary_else_the_alert_name(
    annotations: dict[str, str], labels: dict[str, str], title: str
) -> None:
    body = alertmanager_firing()
    body["alerts"][0].update(annotations=annotations, labels=labels)

    assert parse(body, "alertmanager").alerts[0].title == title


@pytest.mark.parametrize(
    ("starts_at", "occurred_at"),
    [
        ("0001-01-01T00:00:00Z", None),
        ("", None),
        ("2026-01-05T12:00:00.123456789+02:00", datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-01-05T10:00:00", datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
    ],
    ids=["go-zero-time", "empty", "nanoseconds-and-offset", "no-offset-is-utc"],
)
def test_times_are_read_in_utc(starts_at: str, occurred_at: datetime | None) -> None:
    body = alertmanager_firing()
    body["alerts"][0]["startsAt"] = starts_at

    assert parse(body, "alertmanager").alerts[0].occurred_at == occurred_at


def test_severity_follows_the_severity_label_through_the_map() -> None:
    body = alertmanager_firing()
    body["alerts"][0]["labels"]["severity"] = "P2"

    assert parse(body, "alertmanager").alerts[0].severity is Severity.ERROR
    assert parse(body, "alertmanager", {"p2": Severity.CRITICAL}).alerts[0].severity is Severity.CRITICAL
    del body["alerts"][0]["labels"]["severity"]
    assert parse(body, "alertmanager", default_severity=Severity.INFO).alerts[0].severity is Severity.INFO


def test_alerts_the_sender_left_out_are_reported_as_a_warning() -> None:
    body = alertmanager_firing()
    body["truncatedAlerts"] = 12

    assert parse(body, "alertmanager").warnings == (
        "12 alerts of this group were left out by the sender (its max_alerts)",
    )


def test_ten_thousand_alerts_in_one_group_are_each_read() -> None:
    body = alertmanager_firing()
    template = body["alerts"][0]
    body["alerts"] = [
        {**template, "fingerprint": f"{n:016x}", "labels": {**template["labels"], "instance": f"db{n}"}}
        for n in range(10_000)
    ]

    alerts = parse(body, "alertmanager").alerts

    assert len(alerts) == 10_000
    assert len({alert.dedup_key for alert in alerts}) == 10_000
    assert alerts[9_999].labels["instance"] == "db9999"


def _set(path: list[Any], value: object) -> dict[str, Any]:
    body = alertmanager_firing()
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "4", "groupKey": "{}"}, "alerts"),
        (_set(["alerts"], {"0": {}}), "alerts"),
        (_set(["alerts"], []), "alerts"),
        (_set(["alerts", 0], "DiskFull"), "alerts[0]"),
        (_set(["alerts"], [alertmanager_firing()["alerts"][0], 3]), "alerts[1]"),
        (_set(["alerts", 0, "labels"], ["alertname=DiskFull"]), "alerts[0].labels"),
        (_set(["alerts", 0, "annotations"], "Disk full"), "alerts[0].annotations"),
        (_set(["alerts", 0, "annotations", "summary"], 95), "alerts[0].annotations.summary"),
        (_set(["alerts", 0, "status"], "pending"), "alerts[0].status"),
        (_set(["alerts", 0, "status"], True), "alerts[0].status"),
        (_set(["alerts", 0, "fingerprint"], {"a": 1}), "alerts[0].fingerprint"),
        (_set(["alerts", 0, "startsAt"], "yesterday"), "alerts[0].startsAt"),
        (_set(["alerts", 0, "startsAt"], 1767607200), "alerts[0].startsAt"),
        (_set(["alerts", 0, "generatorURL"], ["http://prom"]), "alerts[0].generatorURL"),
        (_set(["truncatedAlerts"], "3"), "truncatedAlerts"),
    ],
)
def test_a_malformed_group_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    error = refusal(body, "alertmanager")

    assert (error.format, error.field) == ("alertmanager", field)
    assert error.to_json() == {
        "status": "invalid",
        "format": "alertmanager",
        "field": field,
        "error": error.reason,
    }
