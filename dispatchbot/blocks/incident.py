"""Messages about one incident: the pinned header, the topic, welcome, help tips and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatchbot.blocks.common import buttons, clip, context, divider, fields, header, section
from dispatchbot.commands import Command
from dispatchbot.config import CommandSettings
from dispatchbot.domain import Document, Incident, IncidentUpdate, Page, PageStatus, ResourceStatus, Status
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
            ("Cost", money(incident.cost)),
        ]
    )


def money(amount: float) -> str:
    """Whole dollars: the header is re-edited only when this text changes, so cents would lag behind."""
    return f"${amount:,.0f}"


@dataclass(frozen=True)
class HeaderExtras:
    """What the header shows beyond the incident row: pages and their acks, documents (or their failure)."""

    pages: Sequence[Page] = ()
    documents: Sequence[Document] = ()


def header_message(
    incident: Incident, extras: HeaderExtras = HeaderExtras()
) -> tuple[str, list[dict[str, Any]]]:
    """The one pinned message that always shows the incident as it is now (edited in place)."""
    text = f"{incident.reference}: {incident.title} ({incident.status.label})"
    blocks = [
        {**header(f"{incident.reference}: {incident.title}"), "block_id": header_block_id(incident.id)},
        summary_fields(incident),
        section(f"*Description*\n{incident.description or '_No description yet._'}"),
    ]
    if incident.resolution:
        blocks.append(section(f"*Resolution*\n{incident.resolution}"))
    if extras.pages:
        blocks.append(section("\n".join(page_line(page) for page in extras.pages)))
    blocks.extend(_resource_blocks(incident, extras.documents))
    blocks.append(
        buttons(
            ("Update incident", ActionId.OPEN_UPDATE, str(incident.id)),
            ("Assign role", ActionId.OPEN_ASSIGN_ROLE, str(incident.id)),
            ("Timeline", ActionId.OPEN_TIMELINE, str(incident.id)),
            ("Join", ActionId.JOIN_INCIDENT, str(incident.id)),
        )
    )
    return text, blocks


def page_line(page: Page) -> str:
    """ "Paged <who> via <service> — acknowledged at …": the ack loop at a glance."""
    who = f"<@{page.target_user_id}>" if page.target_user_id else (page.target_name or "the on-call")
    line = f":pager: Paged {who} via *{page.service}* at {_clock(page.paged_at)}"
    if page.status is PageStatus.ACKNOWLEDGED and page.acknowledged_at is not None:
        return f"{line} — acknowledged at {_clock(page.acknowledged_at)}"
    if page.status is PageStatus.ESCALATED and page.escalated_at is not None:
        return f"{line} — not acknowledged, escalated at {_clock(page.escalated_at)}"
    if page.status is PageStatus.RESOLVED:
        return f"{line} — resolved"
    return f"{line} — waiting for acknowledgement"


def _clock(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment:%H:%M} UTC>"


def _resource_blocks(incident: Incident, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """Links to ready documents; a failed one says so, with a Retry button (the incident is fine)."""
    ready = [d for d in documents if d.status is ResourceStatus.READY and d.weblink]
    failed = [d for d in documents if d.status is ResourceStatus.FAILED]
    blocks: list[dict[str, Any]] = []
    if ready:
        blocks.append(section(" · ".join(f":page_facing_up: <{d.weblink}|{d.label}>" for d in ready)))
    for document in failed[:3]:
        blocks.append(section(f":warning: {document.label} could not be made yet."))
        blocks.append(
            buttons(
                (f"Retry {document.label.lower()}", ActionId.RETRY_RESOURCE, f"{incident.id}:{document.kind}")
            )
        )
    return blocks


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
