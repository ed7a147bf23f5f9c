"""Messages about one incident: the pinned header, the topic, welcome, help tips and notifications."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import buttons, clip, context, divider, fields, header, section
from dispatchbot.commands import Command
from dispatchbot.config import CommandSettings
from dispatchbot.domain import Incident, IncidentUpdate, Status
from dispatchbot.ids import ActionId

TOPIC_LIMIT = 250
STATUS_EMOJI = {
    Status.ACTIVE: ":red_circle:",
    Status.STABLE: ":large_yellow_circle:",
    Status.CLOSED: ":white_circle:",
}


def topic(incident: Incident, commander_name: str) -> str:
    """The channel topic: what people glance at first. Plain text (Slack shows topics unformatted)."""
    return clip(
        f"⛑️ {commander_name} | Status: {incident.status.label} | Type: {incident.incident_type} | "
        f"Severity: {incident.severity} | Priority: {incident.priority}",
        TOPIC_LIMIT,
    )


def purpose(incident: Incident, channel_description: str) -> str:
    """The purpose starts with the reference: it is how a leftover channel is recognised as ours."""
    return clip(f"{incident.reference} · {channel_description or incident.title}", TOPIC_LIMIT)


def summary_fields(incident: Incident) -> dict[str, Any]:
    return fields(
        [
            ("Status", f"{STATUS_EMOJI[incident.status]} {incident.status.label}"),
            ("Commander", f"<@{incident.commander_id}>"),
            ("Type", incident.incident_type),
            ("Severity", incident.severity),
            ("Priority", incident.priority),
            ("Reporter", f"<@{incident.reporter_id}>"),
            ("Visibility", incident.visibility.label),
        ]
    )


def header_message(incident: Incident) -> tuple[str, list[dict[str, Any]]]:
    """The one pinned message that always shows the incident as it is now (edited in place)."""
    text = f"{incident.reference}: {incident.title} ({incident.status.label})"
    blocks = [
        {**header(f"{incident.reference}: {incident.title}"), "block_id": header_block_id(incident.id)},
        summary_fields(incident),
        section(f"*Description*\n{incident.description or '_No description yet._'}"),
    ]
    if incident.resolution:
        blocks.append(section(f"*Resolution*\n{incident.resolution}"))
    blocks.append(
        buttons(
            ("Update incident", ActionId.OPEN_UPDATE, str(incident.id)),
            ("Assign role", ActionId.OPEN_ASSIGN_ROLE, str(incident.id)),
            ("Timeline", ActionId.OPEN_TIMELINE, str(incident.id)),
            ("Join", ActionId.JOIN_INCIDENT, str(incident.id)),
        )
    )
    return text, blocks


def header_block_id(incident_id: int) -> str:
    """Marks the header message, so a resumed creation can find one it posted before a crash."""
    return f"incident-header-{incident_id}"


def welcome(incident: Incident) -> tuple[str, list[dict[str, Any]]]:
    text = f"Welcome to {incident.reference}: {incident.title}"
    return text, [
        header(f"Welcome to {incident.reference}"),
        section(f"*{incident.title}*\n{clip(incident.description, 500)}"),
        summary_fields(incident),
        context("The pinned message at the top always shows the current state of the incident."),
    ]


def help_tips(incident: Incident, commands: CommandSettings) -> tuple[str, list[dict[str, Any]]]:
    text = f"You are the incident commander of {incident.reference}. A few tips."
    lines = [
        f"• Keep the status, severity and priority current with `{commands.name(Command.UPDATE_INCIDENT)}`.",
        f"• Hand out roles (scribe, liaison) with `{commands.name(Command.ASSIGN_ROLE)}`.",
        f"• Write regular updates with `{commands.name(Command.REPORT_TACTICAL)}` and "
        f"`{commands.name(Command.REPORT_EXECUTIVE)}`.",
        f"• Bring in on-call help with `{commands.name(Command.ENGAGE_ONCALL)}`.",
    ]
    return text, [
        header("Incident commander help tips"),
        section(
            f"You are the commander of *{incident.reference}: {incident.title}* in <#{incident.channel_id}>."
        ),
        section("\n".join(lines)),
    ]


def notification(incident: Incident, *, event: str) -> tuple[str, list[dict[str, Any]]]:
    """A notification for channels and subscribers, with Join and Subscribe while the incident is open."""
    text = f"{event}: {incident.reference} {incident.title}"
    blocks = [
        section(f":rotating_light: *{event}: {incident.reference}* — {incident.title}"),
        summary_fields(incident),
    ]
    if incident.description:
        blocks.append(section(clip(incident.description, 500)))
    if incident.status is not Status.CLOSED:
        blocks.append(
            buttons(
                ("Join", ActionId.JOIN_INCIDENT, str(incident.id)),
                ("Subscribe", ActionId.SUBSCRIBE, str(incident.id)),
            )
        )
    return text, blocks


def change_message(update: IncidentUpdate, actor_id: str) -> tuple[str, list[dict[str, Any]]]:
    """What changed, posted in the channel so nobody has to diff the pinned header."""
    labels = {
        "incident_type": "Type",
        "severity": "Severity",
        "priority": "Priority",
        "status": "Status",
        "visibility": "Visibility",
        "title": "Title",
    }
    lines = []
    for name in update.changed:
        if name in labels:
            old, new = getattr(update.before, name), getattr(update.after, name)
            lines.append(f"*{labels[name]}*: {_label(old)} → {_label(new)}")
        else:
            lines.append(f"*{name.capitalize()}* updated")
    text = f"{update.after.reference} updated by <@{actor_id}>"
    return text, [
        section(f":pencil2: <@{actor_id}> updated *{update.after.reference}*"),
        section("\n".join(lines)),
        divider(),
    ]


def _label(value: Any) -> str:
    return str(value.label if hasattr(value, "label") else value)
