"""Cases: Netflix Dispatch's answer to "not every alert is an incident". A signal routed to `case` opens a
case (a message in its channel, edited in place, with its history in the thread) that repeats of the
signal join; people triage it and close it with a reason, or escalate it into an incident.

Lifecycle: New → Triage → (Escalated | Stable) → Closed, and Closed → Triage again (Re-open). An alert
never joins a closed case (C6): a repeat after closing opens a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dispatchbot.alerting.model import AuditEntry


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGE = "triage"
    ESCALATED = "escalated"
    STABLE = "stable"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ResolutionReason(StrEnum):
    """Dispatch's list, so reports compare across tools."""

    BENIGN = "Benign"
    CONTAINED = "Contained"
    ESCALATED = "Escalated"
    FALSE_POSITIVE = "False Positive"
    INFORMATION_GATHERED = "Information Gathered"
    INSUFFICIENT_INFORMATION = "Insufficient Information"
    MITIGATED = "Mitigated"
    OPERATIONAL_ERROR = "Operational Error"
    POLICY_VIOLATION = "Policy Violation"
    USER_ACKNOWLEDGED = "User Acknowledged"


CASE_PREFIX = "CASE-"


def case_name(case_id: int) -> str:
    return f"{CASE_PREFIX}{case_id}"


@dataclass(frozen=True)
class Case:
    id: int
    title: str
    description: str
    status: CaseStatus
    signal: str
    """The `[[signals]]` name whose alerts open and join it; "" for a case opened by hand."""
    case_type: str
    case_priority: str
    channel: str
    """Where its message is (a channel name or id as configured)."""
    alert_count: int
    created_at: datetime
    last_alert_at: datetime | None
    reporter: str | None = None
    """A Slack user id; None when the bot opened it for an alert."""
    assignee: str | None = None
    participants: tuple[str, ...] = ()
    restricted: bool = False
    resolution_reason: ResolutionReason | None = None
    resolution: str = ""
    message_ts: str | None = None
    incident_id: int | None = None
    closed_at: datetime | None = None
    version: int = 0
    """Bumped by every change its message shows; the message is edited until it catches up."""

    @property
    def name(self) -> str:
        return case_name(self.id)

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED

    def may_change(self, user_id: str) -> bool:
        """Resolve, Re-open: the assignee and the participants (Triage adds whoever clicks it)."""
        return user_id == self.assignee or user_id in self.participants

    def visible_to(self, user_id: str) -> bool:
        """Restricted: its assignee, participants and reporter only, once someone owns it (an unowned
        case's message is in front of its channel anyway, and someone must be able to take it)."""
        unowned = self.assignee is None and not self.participants
        return not self.restricted or unowned or self.may_change(user_id) or user_id == self.reporter


CaseEntry = AuditEntry
"""One line of a case's timeline: who (a Slack id, `source:<name>`, `dispatchbot`) did what, when."""
