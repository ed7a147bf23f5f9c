"""The one shape every inbound alert format is read into, and the error a malformed payload raises.

Monitoring systems disagree on names (`fingerprint`, `dedup_key`, `deduplication_key`), on severities
(`P1`, `high`, `critical`) and on whether one request carries one alert or a group. Reading each format
into `InboundAlert` once, at the edge, lets routing, state and Slack deal with one thing. Everything here
is pure: no I/O, no clock (a missing time stays None and the receiver stamps it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AlertFormat(StrEnum):
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    PAGERDUTY = "pagerduty"
    GENERIC = "generic"
    MAPBOX = "mapbox"


class InboundStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"


class Severity(StrEnum):
    """Cabot's importance levels (C1): a lower `rank` is worse."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def is_worse_than(self, other: Severity) -> bool:
        return self.rank < other.rank

    @property
    def urgent(self) -> bool:
        """Critical and error re-alert on the short interval (C3), warning and info on the long one (C4)."""
        return self in (Severity.CRITICAL, Severity.ERROR)


_RANKS = {Severity.CRITICAL: 0, Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


class MapboxRoute(StrEnum):
    """mapbox/dispatch message types (M1). An unknown type is read as HIGH_PRIORITY (it pages)."""

    SELF_SERVICE = "self-service"
    BROADCAST = "broadcast"
    HIGH_PRIORITY = "high-priority"
    LOW_PRIORITY = "low-priority"
    NAG = "nag"


@dataclass(frozen=True)
class MapboxUser:
    slack: str = ""
    """A Slack user id or name/email as the message gave it (`slackId` or `slack`)."""
    github: str = ""


@dataclass(frozen=True)
class MapboxMessage:
    """What a mapbox message says about its own routing (a signal may override route and users)."""

    route: MapboxRoute
    request_id: str
    users: tuple[MapboxUser, ...] = ()
    message: str = ""
    prompt: str = ""
    yes_label: str = "Yes"
    no_label: str = "No"
    yes_response: str = "acknowledged"
    no_response: str = "escalated"
    retrigger: bool = True
    pagerduty_title: str = ""


@dataclass(frozen=True)
class InboundAlert:
    """One alert as a monitoring system reported it, in our vocabulary."""

    dedup_key: str
    status: InboundStatus
    title: str
    severity: Severity
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    source_url: str = ""
    runbook_url: str = ""
    occurred_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    """This alert's own part of the payload (one alert of a group), kept for the audit trail."""
    mapbox: MapboxMessage | None = None


@dataclass(frozen=True)
class ParsedPayload:
    """A request's alerts, in the order the payload listed them."""

    format: AlertFormat
    alerts: tuple[InboundAlert, ...]
    routing_key: str | None = None
    """A PagerDuty Events v2 `routing_key`: one of the ways a sender may present the source's token."""
    warnings: tuple[str, ...] = ()
    """Worth telling an operator, not worth refusing the request (Alertmanager's `truncatedAlerts`)."""


class FormatError(ValueError):
    """The payload is not valid in its format: answered with 400 naming the format and the field."""

    def __init__(self, format: str, field: str | None, reason: str) -> None:
        self.format = format
        self.field = field
        self.reason = reason
        where = f" (field {field})" if field else ""
        super().__init__(f"{format}: {reason}{where}")

    def to_json(self) -> dict[str, Any]:
        return {"status": "invalid", "format": self.format, "field": self.field, "error": self.reason}
