"""PagerDuty Events API v2: trigger, acknowledge and resolve, with a generated key when none is given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dispatchbot.alert_formats import AlertFormat, InboundAlert, InboundStatus, ParsedPayload, Severity, parse
from tests.alert_formats.samples import pagerduty_resolve, pagerduty_trigger, refusal


def test_a_trigger_is_read_into_our_shape() -> None:
    body = pagerduty_trigger()

    assert parse(body, "pagerduty") == ParsedPayload(
        AlertFormat.PAGERDUTY,
        (
            InboundAlert(
                dedup_key="db1-disk",
                status=InboundStatus.FIRING,
                title="Disk 95% on db1",
                severity=Severity.CRITICAL,
                labels={"source": "db1"},
                raw=body,
            ),
        ),
        routing_key="source-token",
    )


@pytest.mark.parametrize(
    ("action", "status"), [("resolve", InboundStatus.RESOLVED), ("acknowledge", InboundStatus.ACKNOWLEDGED)]
)
def test_acknowledge_and_resolve_name_the_alert_by_its_key(action: str, status: InboundStatus) -> None:
    body = pagerduty_resolve()
    body["event_action"] = action

    (alert,) = parse(body, "pagerduty").alerts

    assert (alert.dedup_key, alert.status, alert.title) == ("db1-disk", status, "")


def _generated_key(**changes: Any) -> str:
    body = pagerduty_trigger()
    del body["dedup_key"]
    body.update(changes)
    return parse(body, "pagerduty").alerts[0].dedup_key


def test_a_trigger_without_a_key_gets_one_made_from_the_event() -> None:
    key = _generated_key()

    assert len(key) == 32
    assert int(key, 16) >= 0
    assert key == _generated_key(), "a retried POST must land on the same alert"
    assert key == _generated_key(routing_key="another-token")
    assert key != _generated_key(
        payload={"summary": "Disk 96% on db1", "source": "db1", "severity": "critical"}
    )


def test_details_links_and_time_are_read() -> None:
    body = pagerduty_trigger()
    body["payload"].update(
        component="postgres",
        group="prod",
        timestamp="2026-01-05T11:00:00.000+01:00",
        custom_details={"free": "5%", "disk": {"mount": "/var", "size": 100}, "source": "ignored"},
    )
    body["links"] = [{"href": "https://grafana/d/disk", "text": "Dashboard"}]
    body["client_url"] = "https://monitoring/db1"

    (alert,) = parse(body, "pagerduty").alerts

    assert alert.labels == {
        "component": "postgres",
        "disk.mount": "/var",
        "disk.size": "100",
        "free": "5%",
        "group": "prod",
        "source": "db1",
    }
    assert alert.source_url == "https://grafana/d/disk"
    assert alert.occurred_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_text_details_are_the_description_and_client_url_the_link_without_links() -> None:
    body = pagerduty_trigger()
    body["payload"]["custom_details"] = "df says 95%"
    body["client_url"] = "https://monitoring/db1"

    (alert,) = parse(body, "pagerduty").alerts

    assert (alert.description, alert.source_url) == ("df says 95%", "https://monitoring/db1")


def test_severity_aliases_and_the_sources_map_apply() -> None:
    body = pagerduty_trigger()
    body["payload"]["severity"] = "High"

    assert parse(body, "pagerduty").alerts[0].severity is Severity.ERROR
    assert parse(body, "pagerduty", {"high": Severity.CRITICAL}).alerts[0].severity is Severity.CRITICAL


def _trigger(**payload: Any) -> dict[str, Any]:
    body = pagerduty_trigger()
    body["payload"].update(payload)
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**pagerduty_trigger(), "event_action": "escalate"}, "event_action"),
        ({**pagerduty_trigger(), "event_action": None}, "event_action"),
        ({"event_action": "resolve", "routing_key": "source-token"}, "dedup_key"),
        ({"event_action": "acknowledge", "dedup_key": ""}, "dedup_key"),
        ({**pagerduty_trigger(), "dedup_key": ["db1"]}, "dedup_key"),
        ({**pagerduty_trigger(), "payload": "Disk full"}, "payload"),
        ({"event_action": "trigger", "dedup_key": "db1-disk"}, "payload.summary"),
        (_trigger(summary=""), "payload.summary"),
        (_trigger(severity=None), "payload.severity"),
        (_trigger(severity="apocalyptic"), "payload.severity"),
        (_trigger(timestamp="now"), "payload.timestamp"),
        (_trigger(source=7), "payload.source"),
        ({**pagerduty_trigger(), "links": {"href": "x"}}, "links"),
        ({**pagerduty_trigger(), "links": ["https://grafana"]}, "links[0]"),
        ({**pagerduty_trigger(), "routing_key": 12}, "routing_key"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    error = refusal(body, "pagerduty")

    assert (error.format, error.field) == ("pagerduty", field)
