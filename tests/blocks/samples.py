"""Domain objects for the blocks tests, built directly (no database, no bot), ordinary unless asked.

Each builder takes the fields to change as keywords, so a test states only what it is about:
`incident(title=HOSTILE)`, `page(status=PageStatus.ESCALATED)`. `many` makes the long lists the
builders must bound to Slack's block limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from dispatchbot import domain
from dispatchbot.blocks.feedback.feedback import ShiftSummary
from dispatchbot.catalog import Catalog
from dispatchbot.config import ServiceSettings
from dispatchbot.mrkdwn import Mrkdwn, md, mention

ALICE, BOB, CAROL = "U0ALICE1", "U0BOB002", "U0CAROL3"
CHANNEL = "C0INCIDENT"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
LONG_TEXT = "word " * 580 + "end"
"""2,903 characters: a description near Slack's 3,000 that only fits where the builders clip it."""

SampleT = TypeVar("SampleT")


def many(make: Callable[..., SampleT], count: int, **changes: Any) -> list[SampleT]:
    """`count` samples numbered 1..count (by `id`, or `user_id` for participants)."""
    key = "user_id" if make is participant else "id"
    return [make(**{key: f"U{n:07d}" if key == "user_id" else n, **changes}) for n in range(1, count + 1)]


INCIDENT: dict[str, Any] = {
    "id": 7,
    "title": "Checkout errors",
    "description": "Payments fail for some cards.",
    "resolution": "",
    "status": domain.Status.ACTIVE,
    "incident_type": "Outage",
    "severity": "High",
    "priority": "P1",
    "visibility": domain.Visibility.OPEN,
    "reporter_id": ALICE,
    "commander_id": BOB,
    "channel_id": CHANNEL,
    "channel_name": "inc-7",
    "header_ts": "1.000001",
    "created_at": NOW,
    "stable_at": None,
    "closed_at": None,
    "cost": 1234.5,
}


def incident(**changes: Any) -> domain.Incident:
    return domain.Incident(**{**INCIDENT, **changes})


DUE = NOW + timedelta(hours=4)


def task(**changes: Any) -> domain.Task:
    """Task 3 of incident 7: Alice asked Bob and Carol to roll back, due in four hours."""
    found = domain.Task(
        3, 7, ALICE, "Roll back the release", (BOB, CAROL), domain.TaskStatus.OPEN, DUE, NOW, None, None, None
    )
    return replace(found, **changes)


def resolved_task(**changes: Any) -> domain.Task:
    return task(**{"status": domain.TaskStatus.RESOLVED, "resolved_at": NOW, "resolved_by": BOB, **changes})


def participant(**changes: Any) -> domain.Participant:
    reason = md("Invited by {who}: {typed}", who=mention(ALICE), typed="knows payments")
    found = domain.Participant(
        7, BOB, frozenset({domain.Role.PARTICIPANT}), True, ALICE, reason, NOW, 3, False
    )
    return replace(found, **changes)


def report(kind: domain.ReportKind = domain.ReportKind.TACTICAL, **details: str) -> domain.Report:
    return domain.Report(5, 7, kind, ALICE, details, NOW, None)


DOC_URL = "https://docs.example/d/1"


def document(**changes: Any) -> domain.Document:
    """Incident 7's incident document, made."""
    found = domain.Document(7, "incident", "doc-1", DOC_URL, domain.ResourceStatus.READY, None)
    return replace(found, **changes)


PAGE: dict[str, Any] = {
    "id": 1,
    "incident_id": 7,
    "service": "Payments",
    "provider": "pagerduty",
    "external_id": "P1",
    "target_user_id": CAROL,
    "target_name": "Carol",
    "status": domain.PageStatus.TRIGGERED,
    "requested_by": ALICE,
    "paged_at": NOW,
    **dict.fromkeys(("acknowledged_at", "acknowledged_by", "escalated_at", "resolved_at")),
}
"""Page 1 of incident 7: Alice paged Carol through Payments, not acknowledged yet."""


def page(**changes: Any) -> domain.Page:
    return domain.Page(**{**PAGE, **changes})


def event(**changes: Any) -> domain.TimelineEvent:
    found = domain.TimelineEvent(1, 7, "custom", Mrkdwn("Failover started"), ALICE, NOW, {})
    return replace(found, **changes)


def catalog(*names: str) -> Catalog:
    """A catalog with one type, priority and severity per name; the first is the default, and its
    severity is the only one not allowed for stable incidents."""
    names = names or ("Outage",)
    return Catalog(
        incident_types=tuple(domain.IncidentType(n, n, domain.Visibility.OPEN, n) for n in names),
        priorities=tuple(domain.Priority(n, n, 1.0, 2.0, False, i == 0, i) for i, n in enumerate(names)),
        severities=tuple(domain.Severity(n, n, i > 0, i == 0, i) for i, n in enumerate(names)),
        role_policies=(),
        notifications=(),
    )


def service(**changes: Any) -> ServiceSettings:
    values = {
        "name": "Payments",
        "provider": "pagerduty",
        "external_id": "P1",
        "description": "Card payments",
    }
    return ServiceSettings(**{**values, **changes})


def shift(**changes: Any) -> ShiftSummary:
    return replace(ShiftSummary(4, "Payments", NOW - timedelta(hours=12), NOW), **changes)
