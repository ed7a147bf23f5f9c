"""Messages about one incident: the pinned header, the topic, welcome, help tips and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatchbot.blocks.common import Message, buttons, clip, context, divider, fields, header, section
from dispatchbot.commands import Command
from dispatchbot.config import CommandSettings
from dispatchbot.domain import Document, Incident, IncidentUpdate, Page, PageStatus, ResourceStatus, Status
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, link, localized, md, mention

TOPIC_LIMIT = 250
NO_DESCRIPTION = Mrkdwn("_No description yet._")
STATUS_EMOJI = {
    Status.ACTIVE: ":red_circle:",
    Status.STABLE: ":large_yellow_circle:",
    Status.CLOSED: ":white_circle:",
}


def topic(incident: Incident, commander_name: str) -> str:
    """The channel topic: what people glance at first. Plain text: Slack neither formats topics nor
    parses mentions in them, so nothing is escaped (an escaped `&` would show as `&amp;`)."""
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
            (
                "Status",
                md("{emoji} {status}", emoji=STATUS_EMOJI[incident.status], status=incident.status.label),
            ),
            ("Commander", mention(incident.commander_id)),
            ("Type", escape(incident.incident_type)),
            ("Severity", escape(incident.severity)),
            ("Priority", escape(incident.priority)),
            ("Reporter", mention(incident.reporter_id)),
            ("Visibility", escape(incident.visibility.label)),
            ("Cost", escape(money(incident.cost))),
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


def header_message(incident: Incident, extras: HeaderExtras = HeaderExtras()) -> Message:
    """The one pinned message that always shows the incident as it is now (edited in place)."""
    text = md(
        "{reference}: {title} ({status})",
        reference=incident.reference,
        title=incident.title,
        status=incident.status.label,
    )
    blocks = [
        {**header(f"{incident.reference}: {incident.title}"), "block_id": header_block_id(incident.id)},
        summary_fields(incident),
        section(md("*Description*\n{description}", description=incident.description or NO_DESCRIPTION)),
    ]
    if incident.resolution:
        blocks.append(section(md("*Resolution*\n{resolution}", resolution=incident.resolution)))
    if extras.pages:
        blocks.append(section(Mrkdwn("\n").join(page_line(page) for page in extras.pages)))
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


def page_line(page: Page) -> Mrkdwn:
    """ "Paged <who> via <service> — acknowledged at …": the ack loop at a glance."""
    who = mention(page.target_user_id) if page.target_user_id else escape(page.target_name or "the on-call")
    line = md(
        ":pager: Paged {who} via *{service}* at {at}", who=who, service=page.service, at=_clock(page.paged_at)
    )
    if page.status is PageStatus.ACKNOWLEDGED and page.acknowledged_at is not None:
        return md("{line} — acknowledged at {at}", line=line, at=_clock(page.acknowledged_at))
    if page.status is PageStatus.ESCALATED and page.escalated_at is not None:
        return md("{line} — not acknowledged, escalated at {at}", line=line, at=_clock(page.escalated_at))
    if page.status is PageStatus.RESOLVED:
        return md("{line} — resolved", line=line)
    return md("{line} — waiting for acknowledgement", line=line)


def _clock(moment: datetime) -> Mrkdwn:
    return localized(moment, "{time}", f"{moment:%H:%M} UTC")


def _resource_blocks(incident: Incident, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """Links to ready documents; a failed one says so, with a Retry button (the incident is fine)."""
    ready = [d for d in documents if d.status is ResourceStatus.READY and d.weblink]
    failed = [d for d in documents if d.status is ResourceStatus.FAILED]
    blocks: list[dict[str, Any]] = []
    if ready:
        blocks.append(
            section(
                Mrkdwn(" · ").join(
                    md(":page_facing_up: {link}", link=link(d.weblink or "", d.label)) for d in ready
                )
            )
        )
    for document in failed[:3]:
        blocks.append(section(md(":warning: {label} could not be made yet.", label=document.label)))
        blocks.append(
            buttons(
                (f"Retry {document.label.lower()}", ActionId.RETRY_RESOURCE, f"{incident.id}:{document.kind}")
            )
        )
    return blocks


def header_block_id(incident_id: int) -> str:
    """Marks the header message, so a resumed creation can find one it posted before a crash."""
    return f"incident-header-{incident_id}"


def welcome(incident: Incident) -> Message:
    text = md("Welcome to {reference}: {title}", reference=incident.reference, title=incident.title)
    return text, [
        header(f"Welcome to {incident.reference}"),
        section(
            md("*{title}*\n{description}", title=incident.title, description=clip(incident.description, 500))
        ),
        summary_fields(incident),
        context(Mrkdwn("The pinned message at the top always shows the current state of the incident.")),
    ]


def help_tips(incident: Incident, commands: CommandSettings) -> Message:
    text = md("You are the incident commander of {reference}. A few tips.", reference=incident.reference)
    lines = md(
        "• Keep the status, severity and priority current with `{update}`.\n"
        "• Hand out roles (scribe, liaison) with `{assign}`.\n"
        "• Write regular updates with `{tactical}` and `{executive}`.\n"
        "• Bring in on-call help with `{engage}`.",
        update=commands.name(Command.UPDATE_INCIDENT),
        assign=commands.name(Command.ASSIGN_ROLE),
        tactical=commands.name(Command.REPORT_TACTICAL),
        executive=commands.name(Command.REPORT_EXECUTIVE),
        engage=commands.name(Command.ENGAGE_ONCALL),
    )
    return text, [
        header("Incident commander help tips"),
        section(
            md(
                "You are the commander of *{reference}: {title}* in {channel}.",
                reference=incident.reference,
                title=incident.title,
                channel=channel(incident.channel_id or ""),
            )
        ),
        section(lines),
    ]


def notification(incident: Incident, *, event: str) -> Message:
    """A notification for channels and subscribers, with Join and Subscribe while the incident is open."""
    text = md("{event}: {reference} {title}", event=event, reference=incident.reference, title=incident.title)
    blocks = [
        section(
            md(
                ":rotating_light: *{event}: {reference}* — {title}",
                event=event,
                reference=incident.reference,
                title=incident.title,
            )
        ),
        summary_fields(incident),
    ]
    if incident.description:
        blocks.append(section(escape(clip(incident.description, 500))))
    if incident.status is not Status.CLOSED:
        blocks.append(
            buttons(
                ("Join", ActionId.JOIN_INCIDENT, str(incident.id)),
                ("Subscribe", ActionId.SUBSCRIBE, str(incident.id)),
            )
        )
    return text, blocks


def change_message(update: IncidentUpdate, actor_id: str) -> Message:
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
            lines.append(md("*{label}*: {old} → {new}", label=labels[name], old=_label(old), new=_label(new)))
        else:
            lines.append(md("*{name}* updated", name=name.capitalize()))
    actor, reference = mention(actor_id), update.after.reference
    text = md("{reference} updated by {actor}", reference=reference, actor=actor)
    return text, [
        section(md(":pencil2: {actor} updated *{reference}*", actor=actor, reference=reference)),
        section(Mrkdwn("\n").join(lines)),
        divider(),
    ]


def _label(value: Any) -> str:
    return str(value.label if hasattr(value, "label") else value)
