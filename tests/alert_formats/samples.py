"""Real-world payloads of each inbound format (the reference examples and the vendors' documented
shapes), each a fresh copy so a test may change one; and `refusal`, the error a bad one raises."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from dispatchbot.alert_formats import FormatError, parse

_ALERTMANAGER_FIRING: dict[str, Any] = {
    "version": "4",
    "status": "firing",
    "receiver": "dispatchbot",
    "groupKey": '{}:{alertname="DiskFull"}',
    "truncatedAlerts": 0,
    "groupLabels": {"alertname": "DiskFull"},
    "commonLabels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
    "commonAnnotations": {"summary": "Disk 95% on db1"},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
            "annotations": {
                "summary": "Disk 95% on db1",
                "description": "/var/lib/postgresql is 95% full",
                "runbook_url": "https://runbooks.example/disk-full",
            },
            "startsAt": "2026-01-05T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom/graph?g0.expr=x",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
}

_GRAFANA_FIRING: dict[str, Any] = {
    "receiver": "dispatchbot",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "https://play.grafana.org/d/abc",
            "panelURL": "https://play.grafana.org/d/abc?viewPanel=2",
            "values": {"B": 44.23943737541908, "C": 1},
            "valueString": "[ metric='' labels={__name__=mem} value=44.23943737541908 ]",
        }
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:1]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = High memory usage",
}

_GENERIC_FIRING: dict[str, Any] = {
    "title": "Checkout 5xx > 2%",
    "status": "firing",
    "deduplication_key": "checkout-5xx",
    "severity": "critical",
    "description": "...",
    "source_url": "https://grafana/d/x",
    "metadata": {"service": "checkout"},
}

_PAGERDUTY_TRIGGER: dict[str, Any] = {
    "routing_key": "source-token",
    "event_action": "trigger",
    "dedup_key": "db1-disk",
    "payload": {"summary": "Disk 95% on db1", "source": "db1", "severity": "critical"},
}

_MAPBOX: dict[str, Any] = {
    "type": "self-service",
    "requestId": "a1b2c3",
    "users": [{"slackId": "U123", "github": "alice"}],
    "body": {
        "github": {"title": "2FA disabled: alice", "body": "..."},
        "slack": {
            "message": "2FA was disabled on your account.",
            "prompt": "Did you do this?",
            "actions": {
                "yes": "Yes, me",
                "no": "No",
                "yes_response": "Thanks",
                "no_response": "Security paged",
            },
        },
    },
}


def alertmanager_firing() -> dict[str, Any]:
    return copy.deepcopy(_ALERTMANAGER_FIRING)


def alertmanager_resolved() -> dict[str, Any]:
    body = alertmanager_firing()
    body["status"] = "resolved"
    body["alerts"][0].update(status="resolved", endsAt="2026-01-05T10:30:00Z")
    return body


def grafana_firing() -> dict[str, Any]:
    return copy.deepcopy(_GRAFANA_FIRING)


def grafana_resolved() -> dict[str, Any]:
    body = grafana_firing()
    body.update(status="resolved", state="ok", title="[RESOLVED]  (blue)")
    body["alerts"][0].update(status="resolved", endsAt="2021-10-12T10:21:03.157076+02:00")
    return body


def generic_firing() -> dict[str, Any]:
    return copy.deepcopy(_GENERIC_FIRING)


def generic_resolved() -> dict[str, Any]:
    return {"status": "resolved", "deduplication_key": "checkout-5xx"}


def pagerduty_trigger() -> dict[str, Any]:
    return copy.deepcopy(_PAGERDUTY_TRIGGER)


def pagerduty_resolve() -> dict[str, Any]:
    return {"routing_key": "source-token", "event_action": "resolve", "dedup_key": "db1-disk"}


def mapbox_message() -> dict[str, Any]:
    return copy.deepcopy(_MAPBOX)


def sns_envelope(message: object) -> dict[str, Any]:
    """An AWS SNS HTTPS notification carrying `message` as its JSON string `Message`."""
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:dispatch",
        "Message": json.dumps(message),
        "Timestamp": "2026-01-05T10:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
    }


def refusal(body: object, format: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse(body, format)
    return caught.value
