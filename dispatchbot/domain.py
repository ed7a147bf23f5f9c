"""Domain types: plain frozen data, no I/O, shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dispatchbot.mrkdwn import Mrkdwn


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class FlowRun:
    """A durable flow run as stored: `state` holds what finished steps recorded (e.g. a channel id)."""

    id: int
    kind: str
    key: str
    args: dict[str, Any]
    state: dict[str, Any]
    completed_steps: tuple[str, ...]
    status: RunStatus
    attempts: int
    last_error: str | None
    error_id: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    finished_at: datetime | None = field(default=None)


class Status(StrEnum):
    ACTIVE = "active"
    STABLE = "stable"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Visibility(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Role(StrEnum):
    """Incident roles. Commander and Scribe may run the sensitive commands."""

    COMMANDER = "commander"
    SCRIBE = "scribe"
    LIAISON = "liaison"
    REPORTER = "reporter"
    PARTICIPANT = "participant"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return "Incident Commander" if self is Role.COMMANDER else self.value.capitalize()


SINGLE_HOLDER_ROLES = frozenset({Role.COMMANDER, Role.SCRIBE, Role.LIAISON, Role.REPORTER})
"""Roles one person holds at a time: assigning one makes the previous holder step down."""

MANAGING_ROLES = frozenset({Role.COMMANDER, Role.SCRIBE})


class CostModel(StrEnum):
    """How an incident type's response cost is computed (see `services/costs.py`)."""

    CLASSIC = "classic"  # time each role was held x the role's weight
    ACTIVITY = "activity"  # merged work windows opened by each participant's messages


class DocumentKind(StrEnum):
    """The incident resources kept in the documents provider; one row each per incident."""

    FOLDER = "folder"
    INCIDENT = "incident"
    REVIEW = "review"
    EXECUTIVE = "executive"

    @property
    def label(self) -> str:
        return {
            DocumentKind.FOLDER: "Incident folder",
            DocumentKind.INCIDENT: "Incident document",
            DocumentKind.REVIEW: "Review document",
            DocumentKind.EXECUTIVE: "Executive report document",
        }[self]


@dataclass(frozen=True)
class IncidentType:
    name: str
    description: str
    default_visibility: Visibility
    channel_description: str
    cost_model: CostModel = CostModel.CLASSIC
    templates: dict[DocumentKind, str] = field(default_factory=dict)
    """Google Docs template id per document kind; empty means that document is not made."""


@dataclass(frozen=True)
class Priority:
    name: str
    description: str
    tactical_report_reminder_hours: float
    executive_report_reminder_hours: float
    page_commander: bool
    default: bool
    order: int
    ack_timeout_minutes: float = 15.0


@dataclass(frozen=True)
class Severity:
    name: str
    description: str
    allowed_for_stable: bool
    default: bool
    order: int


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    description: str
    resolution: str
    status: Status
    incident_type: str
    severity: str
    priority: str
    visibility: Visibility
    reporter_id: str
    commander_id: str
    channel_id: str | None
    channel_name: str | None
    header_ts: str | None
    created_at: datetime
    stable_at: datetime | None
    closed_at: datetime | None
    cost: float = 0.0
    """The response cost in currency units as last accrued (final once closed)."""

    @property
    def reference(self) -> str:
        """The human name people say out loud: INC-42."""
        return f"INC-{self.id}"

    @property
    def restricted(self) -> bool:
        return self.visibility is Visibility.RESTRICTED


@dataclass(frozen=True)
class Participant:
    incident_id: int
    user_id: str
    roles: frozenset[Role]
    active: bool
    added_by: str | None
    added_reason: Mrkdwn  # mrkdwn: it may mention people; typed text in it is escaped
    joined_at: datetime
    message_count: int
    after_hours_notified: bool

    @property
    def manages(self) -> bool:
        return bool(self.roles & MANAGING_ROLES)


@dataclass(frozen=True)
class TimelineEvent:
    """`description` is mrkdwn (it mentions people); whatever came from outside in it was escaped by
    whoever wrote it, as `TimelineRepository.add` takes only `Mrkdwn`."""

    id: int
    incident_id: int
    kind: str
    description: Mrkdwn
    actor_id: str | None
    occurred_at: datetime
    details: dict[str, Any]


@dataclass(frozen=True)
class IncidentDraft:
    """What a reporter submits; the catalog names are already validated."""

    title: str
    description: str
    incident_type: str
    severity: str
    priority: str
    visibility: Visibility


EDITABLE_FIELDS = (
    "title",
    "description",
    "resolution",
    "status",
    "incident_type",
    "severity",
    "priority",
    "visibility",
)
"""Incident fields `/dispatch-update-incident` may change, in the order changes are reported."""


@dataclass(frozen=True)
class IncidentUpdate:
    """The incident before and after one update, and which fields changed."""

    before: Incident
    after: Incident
    changed: tuple[str, ...]

    @property
    def status_changed(self) -> bool:
        return "status" in self.changed

    @property
    def notify_worthy(self) -> bool:
        """Dispatch re-sends notifications only for these fields; so do we."""
        return bool({"status", "incident_type", "severity", "priority"} & set(self.changed))


class ReportKind(StrEnum):
    TACTICAL = "tactical"
    EXECUTIVE = "executive"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} report"


@dataclass(frozen=True)
class Report:
    id: int
    incident_id: int
    kind: ReportKind
    author_id: str
    details: dict[str, str]
    created_at: datetime
    message_ts: str | None


class TaskStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Task:
    id: int
    incident_id: int
    creator_id: str
    description: str
    assignees: tuple[str, ...]
    status: TaskStatus
    due_at: datetime
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    message_ts: str | None


@dataclass(frozen=True)
class NewTask:
    """A task to create, open, given to `assignees` (repeats are assigned once)."""

    incident_id: int
    creator_id: str
    description: str
    assignees: list[str]
    due_at: datetime


class ReminderKind(StrEnum):
    TACTICAL_REPORT = "tactical_report"
    EXECUTIVE_REPORT = "executive_report"
    TASK_OVERDUE = "task_overdue"
    CLOSE_INCIDENT = "close_incident"


@dataclass(frozen=True)
class Reminder:
    """A reminder is a row: due at `due_at`, claimed by one replica, sent, then re-armed or done."""

    id: int
    kind: ReminderKind
    incident_id: int
    subject: str
    recipient: str
    due_at: datetime
    sent_count: int
    last_sent_at: datetime | None


class MemberKind(StrEnum):
    """What a notifications group member is: Slack users and channels, and emails kept for later
    providers (such as an email notifier)."""

    USER = "user"
    CHANNEL = "channel"
    EMAIL = "email"


@dataclass(frozen=True)
class JobState:
    """What the scheduler last did with a job, stored so `dispatchbot scheduler list` can show it."""

    name: str
    every_seconds: float
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None
    leader: str | None


class PageStatus(StrEnum):
    """A page's life: sent, then acknowledged, or escalated when the ack timeout passed; resolved at close."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"

    @property
    def open(self) -> bool:
        return self in (PageStatus.TRIGGERED, PageStatus.ESCALATED)


@dataclass(frozen=True)
class Page:
    id: int
    incident_id: int
    service: str
    provider: str
    external_id: str | None
    target_user_id: str | None
    target_name: str
    status: PageStatus
    requested_by: str
    paged_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalated_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class NewPage:
    """A page the provider accepted, to be recorded (once, by `dedup_key`) and followed."""

    dedup_key: str
    incident_id: int
    service: str
    provider: str
    external_id: str
    target_user_id: str | None
    target_name: str
    requested_by: str


@dataclass(frozen=True)
class Engagement:
    """An on-call person brought into an incident through a service (once per service and incident)."""

    incident_id: int
    service: str
    user_id: str
    email: str
    engaged_by: str
    engaged_at: datetime


class ResourceStatus(StrEnum):
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class Document:
    """An incident resource in the documents provider; a failed one is shown with a Retry button."""

    incident_id: int
    kind: str  # a DocumentKind value, or "executive:<report id>"
    external_id: str | None
    weblink: str | None
    status: ResourceStatus
    error: str | None

    @property
    def label(self) -> str:
        base = self.kind.split(":", 1)[0]
        return DocumentKind(base).label


@dataclass(frozen=True)
class Feedback:
    """A participant's answer about a closed incident; `rating` is a rating value from the form."""

    incident_id: int
    user_id: str
    rating: str
    text: str
    anonymous: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ShiftRequest:
    """Feedback asked of someone after an on-call shift; the answer fields are empty until submitted."""

    id: int
    service: str
    user_id: str
    shift_start: datetime
    shift_end: datetime
    requested_at: datetime
    reminded_at: datetime | None
    submitted_at: datetime | None
    effort: str | None
    hours: float | None
    text: str
    anonymous: bool
