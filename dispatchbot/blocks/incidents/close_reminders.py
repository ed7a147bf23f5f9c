"""The close reminder DM (with its Close button), what it becomes once used, and the button's refusals."""

from __future__ import annotations

from datetime import timedelta

from dispatchbot.blocks.common import Message, buttons, context, section
from dispatchbot.domain import Incident
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, md, mention


def days_text(duration: timedelta) -> str:
    """Whole days, never "0 days" (a reminder configured for less than a day still says "1 day")."""
    days = max(1, duration.days)
    return f"{days} day{'s' if days != 1 else ''}"


def reminder(incident: Incident, stable_for: timedelta, command: str) -> Message:
    text = md(
        "{reference} has been Stable for {days} — close it?",
        reference=incident.reference,
        days=days_text(stable_for),
    )
    return text, [
        section(_headed(":hourglass:", incident, text)),
        context(
            md(
                "If it still needs work, set it back to Active with `{command}`; "
                "otherwise I'll ask again while it stays Stable.",
                command=command,
            )
        ),
        buttons(("Close", ActionId.CLOSE_INCIDENT, str(incident.id))),
    ]


def closed(incident: Incident, actor_id: str) -> Message:
    text = md("{reference} was closed by {actor}.", reference=incident.reference, actor=mention(actor_id))
    return text, [section(_headed(":white_check_mark:", incident, text))]


def already_closed(incident: Incident) -> Message:
    text = md("{reference} was already closed.", reference=incident.reference)
    return text, [section(_headed(":white_check_mark:", incident, text))]


def not_stable_text(incident: Incident, command: str) -> Mrkdwn:
    return md(
        "{reference} is {status} again, so this reminder no longer applies. "
        "Close it with `{command}` in its channel when it is over.",
        reference=incident.reference,
        status=incident.status.label,
        command=command,
    )


def severity_text(incident: Incident, command: str) -> Mrkdwn:
    return md(
        "Severity {severity} is not allowed for closed incidents. "
        "Lower it with `{command}` in {reference}'s channel, then close it.",
        severity=incident.severity,
        command=command,
        reference=incident.reference,
    )


def _headed(emoji: str, incident: Incident, text: Mrkdwn) -> Mrkdwn:
    return md(
        "{emoji} *{reference}* · {title}\n{text}",
        emoji=emoji,
        reference=incident.reference,
        title=incident.title,
        text=text,
    )
