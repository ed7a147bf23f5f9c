"""The close reminder DM (with its Close button), what it becomes once used, and the button's refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dispatchbot.blocks.common import buttons, context, section
from dispatchbot.blocks.list_incidents import escape
from dispatchbot.domain import Incident
from dispatchbot.ids import ActionId


def days_text(duration: timedelta) -> str:
    """Whole days, never "0 days" (a reminder configured for less than a day still says "1 day")."""
    days = max(1, duration.days)
    return f"{days} day{'s' if days != 1 else ''}"


def reminder(incident: Incident, stable_for: timedelta, command: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"{incident.reference} has been Stable for {days_text(stable_for)} — close it?"
    return text, [
        section(f":hourglass: *{incident.reference}* · {escape(incident.title)}\n{text}"),
        context(
            f"If it still needs work, set it back to Active with `{command}`; "
            "otherwise I'll ask again while it stays Stable."
        ),
        buttons(("Close", ActionId.CLOSE_INCIDENT, str(incident.id))),
    ]


def closed(incident: Incident, actor_id: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"{incident.reference} was closed by <@{actor_id}>."
    return text, [section(f":white_check_mark: *{incident.reference}* · {escape(incident.title)}\n{text}")]


def already_closed(incident: Incident) -> tuple[str, list[dict[str, Any]]]:
    text = f"{incident.reference} was already closed."
    return text, [section(f":white_check_mark: *{incident.reference}* · {escape(incident.title)}\n{text}")]


def not_stable_text(incident: Incident, command: str) -> str:
    return (
        f"{incident.reference} is {incident.status.label} again, so this reminder no longer applies. "
        f"Close it with `{command}` in its channel when it is over."
    )


def severity_text(incident: Incident, command: str) -> str:
    return (
        f"Severity {incident.severity} is not allowed for closed incidents. "
        f"Lower it with `{command}` in {incident.reference}'s channel, then close it."
    )
