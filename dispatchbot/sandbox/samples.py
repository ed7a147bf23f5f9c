"""Sample alerts for the alerts panel, one per format the bot reads, shaped as the senders send them
(README "Alerts"): Alertmanager firing and resolved, Grafana, PagerDuty Events v2, generic JSON, and
mapbox self-service and broadcast messages addressed to the sandbox's people.

Each is built when sent, so times are now and mapbox messages name the workspace's real user ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dispatchbot.sandbox.vendors import ALERT_TOKEN
from dispatchbot.testing.slack.state import Workspace

JSON = dict[str, Any]
NOT_ENDED = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Sample:
    label: str
    """The panel's button text."""
    build: Callable[[Workspace], JSON]
    headers: Callable[[], dict[str, str]] = lambda: {"Authorization": f"Bearer {ALERT_TOKEN}"}
    content_type: str = "application/json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alertmanager(status: str) -> Callable[[Workspace], JSON]:
    def build(ws: Workspace) -> JSON:
        labels = {"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
        return {
            "version": "4",
            "status": status,
            "receiver": "dispatchbot",
            "groupKey": '{}:{alertname="DiskFull"}',
            "truncatedAlerts": 0,
            "alerts": [
                {
                    "status": status,
                    "fingerprint": "1a30ba71cca2921f",
                    "labels": labels,
                    "annotations": {
                        "summary": "Disk 95% on db1",
                        "description": "/var/lib/postgresql is 95% full",
                        "runbook_url": "https://runbooks.example.com/disk-full",
                    },
                    "startsAt": _now(),
                    "endsAt": _now() if status == "resolved" else NOT_ENDED,
                    "generatorURL": "http://prometheus.example.com/graph?g0.expr=disk_used_ratio",
                }
            ],
        }

    return build


def _grafana(ws: Workspace) -> JSON:
    return {
        "receiver": "dispatchbot",
        "status": "firing",
        "orgId": 1,
        "state": "alerting",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] High memory usage",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": "c6eadffa33fcdf37",
                "labels": {"alertname": "High memory usage", "team": "blue", "severity": "warning"},
                "annotations": {"summary": "Memory above 90% in us-1"},
                "startsAt": _now(),
                "endsAt": NOT_ENDED,
                "dashboardURL": "https://grafana.example.com/d/abc",
            }
        ],
    }


def _pagerduty(ws: Workspace) -> JSON:
    return {
        "routing_key": ALERT_TOKEN,
        "event_action": "trigger",
        "dedup_key": "api-latency",
        "payload": {
            "summary": "API p99 latency above 2 s",
            "source": "api-gateway",
            "severity": "error",
            "custom_details": {"p99": "2.4 s"},
        },
        "links": [{"href": "https://grafana.example.com/d/api", "text": "Dashboard"}],
    }


def _generic(ws: Workspace) -> JSON:
    return {
        "title": "Checkout 5xx > 2%",
        "status": "firing",
        "deduplication_key": "checkout-5xx",
        "severity": "critical",
        "description": "5xx ratio 3.1% over 5 minutes",
        "source_url": "https://grafana.example.com/d/checkout",
        "metadata": {"service": "checkout", "team": "payments", "owner": "alice@example.com"},
    }


def _user_id(ws: Workspace, name: str) -> str:
    return next((u.id for u in ws.users.values() if u.name == name), name)


def _self_service(ws: Workspace) -> JSON:
    return {
        "type": "self-service",
        "requestId": f"2fa-{_now()}",
        "users": [{"slackId": _user_id(ws, "alice"), "github": "alice"}],
        "body": {
            "github": {"title": "2FA disabled: alice", "body": "2FA was turned off for alice."},
            "slack": {
                "message": "2FA was disabled on your GitHub account.",
                "prompt": "Did you do this?",
                "actions": {
                    "yes": "Yes, me",
                    "no": "No",
                    "yes_response": "Thanks",
                    "no_response": "Security has been paged",
                },
            },
        },
    }


def _broadcast(ws: Workspace) -> JSON:
    """As Amazon SNS delivers it: the message is a JSON string inside a notification."""
    message = {
        "type": "broadcast",
        "requestId": f"owner-{_now()}",
        "users": [{"slackId": _user_id(ws, "alice")}, {"slack": "bob@example.com"}],
        "body": {
            "github": {"title": "Org owner added: carol"},
            "slack": {"message": "carol was made an owner of the GitHub org."},
        },
    }
    return {
        "Type": "Notification",
        "MessageId": "6f5e2a3b-1c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:security-alarms",
        "Timestamp": f"{_now()[:-1]}.000Z",
        "Message": json.dumps(message),
    }


SAMPLES = {
    "alertmanager-firing": Sample("Alertmanager: DiskFull firing", _alertmanager("firing")),
    "alertmanager-resolved": Sample("Alertmanager: DiskFull resolved", _alertmanager("resolved")),
    "grafana": Sample("Grafana: high memory", _grafana),
    "pagerduty": Sample("PagerDuty Events v2: API latency", _pagerduty, headers=lambda: {}),
    "generic": Sample("Generic JSON: checkout 5xx (opens a case)", _generic),
    "mapbox-self-service": Sample("mapbox self-service: asks alice", _self_service),
    "mapbox-broadcast": Sample(
        "mapbox broadcast via SNS: alice and bob", _broadcast, content_type="text/plain; charset=UTF-8"
    ),
}
