"""Incident documents as people see them: file names, the `{{placeholder}}` values a template is filled
with, the timeline as the review document shows it, and the Slack messages about documents.

Pure: domain in, text or Block Kit out. Documents are plain text, so Slack markup (mentions, channel
links, `<url|text>` links, escaped `&lt;`) is turned into names and words before it goes into one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dispatchbot.blocks.common import Message, clip, context, section
from dispatchbot.domain import Document, DocumentKind, Incident, Report, Task, TimelineEvent
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import Mrkdwn, channel, link, md, unescape

MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
BARE_LINK = re.compile(r"<(https?://[^>]+)>")
COMMENT_LIMIT = 1500
"""A synced task's description at most (the Create Task form allows as much)."""


@dataclass(frozen=True)
class Links:
    """Where the incident lives, for the `*_weblink` placeholders (empty when not made)."""

    conversation: str
    document: str
    storage: str


def folder_name(incident: Incident) -> str:
    return clip(f"{incident.reference} - {incident.title}", 200)


def document_name(incident: Incident, kind: DocumentKind, report: Report | None = None) -> str:
    if kind is DocumentKind.EXECUTIVE and report is not None:
        return f"{incident.reference} - Executive report {report.created_at:%Y-%m-%d %H:%M} UTC"
    titles = {DocumentKind.INCIDENT: "Incident document", DocumentKind.REVIEW: "Post-incident review"}
    return f"{incident.reference} - {titles.get(kind, kind.label)}"


def executive_kind(report_id: int) -> str:
    """The documents row kind of one executive report's document."""
    return f"{DocumentKind.EXECUTIVE.value}:{report_id}"


def conversation_link(workspace_url: str, channel_id: str) -> str:
    """The channel's web address: the workspace's own when known, else Slack's redirect."""
    if workspace_url:
        return f"{workspace_url.rstrip('/')}/archives/{channel_id}"
    return f"https://slack.com/app_redirect?channel={channel_id}"


def moment(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC" if when is not None else ""


def placeholders(incident: Incident, commander_name: str, links: Links) -> dict[str, str]:
    """The values every incident template may use, by placeholder name (`{{name}}` in the template)."""
    return {
        "name": incident.reference,
        "title": incident.title,
        "description": incident.description,
        "resolution": incident.resolution,
        "commander_fullname": commander_name,
        "type": incident.incident_type,
        "severity": incident.severity,
        "priority": incident.priority,
        "status": incident.status.label,
        "reported_at": moment(incident.created_at),
        "stable_at": moment(incident.stable_at),
        "conversation_weblink": links.conversation,
        "document_weblink": links.document,
        "storage_weblink": links.storage,
    }


def report_placeholders(report: Report, author_name: str) -> dict[str, str]:
    """What an executive report template adds to the incident's values."""
    return {
        "current_status": report.details.get("current_status", ""),
        "overview": report.details.get("overview", ""),
        "next_steps": report.details.get("next_steps", ""),
        "report_author_fullname": author_name,
        "report_created_at": moment(report.created_at),
    }


def mentioned_users(events: Iterable[TimelineEvent]) -> set[str]:
    """The Slack user ids the timeline mentions, whose names the document shows instead."""
    return {user for event in events for user in MENTION.findall(event.description)}


def timeline_text(events: Iterable[TimelineEvent], names: Mapping[str, str]) -> str:
    """One line per event, oldest first: "2024-05-01 09:30 UTC — Alice changed the status …"."""
    return "\n".join(
        f"{moment(event.occurred_at)} — {plain_text(event.description, names)}" for event in events
    )


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """Slack markup as a reader of a document wants it: names for mentions, words for links, and the
    characters escaped for mrkdwn (`&lt;`) as typed."""
    text = MENTION.sub(lambda match: names.get(match.group(1), match.group(1)), text)
    text = CHANNEL.sub(lambda match: f"#{match.group(1)}", text)
    text = LINK.sub(lambda match: f"{match.group(2)} ({match.group(1)})", text)
    return unescape(BARE_LINK.sub(lambda match: match.group(1), text))


def comment_description(content: str) -> str:
    """A synced task's description: the comment, clipped to what a task card shows."""
    return clip(content.strip() or "(an empty comment)", COMMENT_LIMIT)


def read_retry_value(value: str) -> tuple[int, str]:
    """The Retry button's "<incident id>:<kind>"; a tampered value reads as a missing incident."""
    incident_id, _, kind = value.partition(":")
    base = kind.split(":", 1)[0]
    if not incident_id.isdigit() or base not in {k.value for k in DocumentKind}:
        raise NotFound("That incident does not exist or is not visible to you.")
    return int(incident_id), kind


# ------------------------------------------------------------------ messages in Slack


def review_ready(incident: Incident, document: Document) -> Message:
    text = md("The post-incident review document for {reference} is ready", reference=incident.reference)
    return text, [
        section(
            md(
                ":memo: The *{link}* for {reference} is ready, with the incident's timeline in it. "
                "Please add what you know while it is fresh.",
                link=link(document.weblink or "", "post-incident review document"),
                reference=incident.reference,
            )
        ),
        context(Mrkdwn("It is also bookmarked at the top of this channel.")),
    ]


def executive_document_ready(incident: Incident, document: Document) -> Message:
    text = md("The executive report for {reference} is also in a document", reference=incident.reference)
    return text, [
        section(
            md(
                ":page_facing_up: The executive report is also in a {link}.",
                link=link(document.weblink or "", "document"),
            )
        )
    ]


def document_delayed(document: Document, provider: str, *, rate_limited: bool) -> Message:
    """Said once in the channel when a document could not be made yet: a run makes it again with
    back-off, and the header's Retry button stays for whoever does not want to wait."""
    text = md(
        ":hourglass: The {label} is delayed: {provider} {trouble}; retrying. The pinned message links it "
        "once it is made.",
        label=document.label.lower(),
        provider=provider,
        trouble="is rate-limiting us" if rate_limited else "is not answering right now",
    )
    return text, [section(text)]


def comment_task_assigned(incident: Incident, task: Task, document: Document | None) -> Mrkdwn:
    """The assignee's DM: a task came from a comment, where it is, and how to close it."""
    where = (
        md("a comment in the {link}", link=link(document.weblink or "", document.label.lower()))
        if document
        else Mrkdwn("a comment")
    )
    return md(
        "You have a new task in {reference}{channel}, from {where}: {description}\n"
        "Resolve it in the document or with the task's Resolve button.",
        reference=incident.reference,
        channel=md(" in {channel}", channel=channel(incident.channel_id))
        if incident.channel_id
        else Mrkdwn(""),
        where=where,
        description=clip(task.description, 500),
    )
