"""The alert as stored and shown: one per (source, dedup key) while open; a firing after recovery is a
new alert (C6), never a reply in a closed thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dispatchbot.alert_formats.model import MapboxMessage, Severity


class AlertState(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    """Recovered: the source said so (C6)."""
    CLOSED = "closed"
    """Ended by a person: a self-service Yes (M4), or a record-only alert nobody needs to watch."""

    @property
    def is_open(self) -> bool:
        return self is AlertState.FIRING


class Route(StrEnum):
    CHANNEL = "channel"
    BROADCAST = "broadcast"
    SELF_SERVICE = "self_service"
    PAGE = "page"
    RECORD = "record"
    NAG = "nag"
    """mapbox `nag`: DM the users on every repeat (M7); not a `[[signals]]` route."""
    CASE = "case"
    """Opens a case, or joins the signal's open one (`alerting.cases`), instead of a message of its own."""


class Action(StrEnum):
    """What one inbound alert did, as answered in the 202 (and kept in the audit trail)."""

    CREATED = "created"
    UPDATED = "updated"
    DEDUPLICATED = "deduplicated"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"
    SNOOZED = "snoozed"


class NoticeKind(StrEnum):
    """What an alert's change owes the outside world, kept as a notice until delivered."""

    ALERT = "alert"
    """Plugins' `send_alert`: the first message, a re-alert with mentions, a DM, a page (C9)."""
    UPDATE = "update"
    """Plugins' `send_alert_update`: a quiet re-alert while acknowledged (C7)."""
    RECOVERED = "recovered"
    ACKNOWLEDGED = "acknowledged"
    ACK_CANCELLED = "ack_cancelled"
    ESCALATE = "escalate"
    """A self-service No: page the signal's on-call (M5)."""
    DECLARE = "declare"
    """`declare = "auto"`: declare an incident for this critical alert."""


@dataclass(frozen=True)
class Acknowledgement:
    by: str
    """A Slack user id, or `source:<name>` for a PagerDuty `acknowledge` event."""
    at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Alert:
    id: int
    source: str
    dedup_key: str
    format: str
    signal: str
    """The `[[signals]]` name that routed it; "" when none matched (the default channel, or record)."""
    route: Route
    state: AlertState
    severity: Severity
    title: str
    description: str
    labels: Mapping[str, str]
    source_url: str
    runbook_url: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    channel: str
    """Where its message is (a channel id or name as configured); "" for routes without one."""
    users: tuple[str, ...]
    """Whom to notify, as configured or sent (Slack ids, emails, names); resolved when notifying."""
    oncall_service: str
    alert_channels: tuple[str, ...]
    message_ts: str | None = None
    resolved_at: datetime | None = None
    acknowledgement: Acknowledgement | None = None
    last_alerted_at: datetime | None = None
    incident_id: int | None = None
    page_id: str | None = None
    mapbox: MapboxMessage | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    """Small route-specific facts recorded along the way (who answered a prompt, recipients)."""
    version: int = 0
    """Bumped by every change its message shows (the message is edited until it catches up)."""
    case_id: int | None = None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledgement is not None


@dataclass(frozen=True)
class AuditEntry:
    """One line of an alert's audit trail: who did what, when."""

    at: datetime
    actor: str
    """A Slack user id, `source:<name>`, or `dispatchbot` for what the bot did on its own."""
    action: str
    detail: str = ""
