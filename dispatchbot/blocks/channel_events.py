"""What the bot says in an incident channel in answer to people joining, leaving and posting."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import section
from dispatchbot.domain import Incident

THREAD_WARNING = (
    "Please keep the conversation in the channel rather than in threads: "
    "threads make it harder for everyone in the incident to keep up."
)


def commander_added_back(user_id: str, assign_command: str) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f"<@{user_id}> was added back. The incident commander cannot leave an open incident; "
        f"hand over with {assign_command} first."
    )
    return text, [section(f":leftwards_arrow_with_hook: {text}")]


def promoted(user_id: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"<@{user_id}> is now a Participant (was Observer) after taking part in the conversation."
    return text, [section(f":raised_hand: {text}")]


def after_hours_notice(incident: Incident, commander_tz: str, start_hour: int, end_hour: int) -> str:
    return (
        f"Responses may be delayed. Your message was sent outside the incident commander's working "
        f"hours (weekdays {start_hour:02d}:00 to {end_hour:02d}:00, {commander_tz} time). "
        f"The current priority of {incident.reference} is *{incident.priority}*."
    )


def back_in_channel(incident: Incident) -> tuple[str, list[dict[str, Any]]]:
    text = f"{incident.reference} is open again"
    return text, [
        section(
            f":arrows_counterclockwise: *{incident.reference}* is {incident.status.label.lower()} again. "
            "I have invited its participants back; the pinned message shows where it stands."
        )
    ]
