"""The `/dispatch-list-incidents` answer: incidents grouped by status, bounded by Slack's message limits."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import MESSAGE_BLOCK_LIMIT, Message, clip, context, header, section
from dispatchbot.blocks.incidents.incident import STATUS_EMOJI, money
from dispatchbot.domain import Incident, Status
from dispatchbot.mrkdwn import Mrkdwn, channel, md, mention

GROUP_TITLES = {
    Status.ACTIVE: "Active",
    Status.STABLE: "Stable",
    Status.CLOSED: "Closed in the last 24 hours",
}
SETTING_UP = Mrkdwn("_channel being set up_")
SEARCH_SHOWN = 100
"""How much of the filter text is echoed back: enough to recognise it, never enough to flood a block."""


def incident_line(incident: Incident) -> Mrkdwn:
    """One incident in three short lines: what it is, how bad, who leads, what it cost so far (as of the
    last accrual; final once closed) and where to go."""
    return md(
        "*{reference}*{lock} · {title}\n"
        "{emoji} {status} · Type: {type} · Severity: {severity} · Priority: {priority}\n"
        "Commander: {commander} · Cost: {cost} · {channel}",
        reference=incident.reference,
        lock=Mrkdwn(" :lock:") if incident.restricted else Mrkdwn(""),
        title=clip(incident.title, 200),
        emoji=STATUS_EMOJI[incident.status],
        status=incident.status.label,
        type=incident.incident_type,
        severity=incident.severity,
        priority=incident.priority,
        commander=mention(incident.commander_id),
        cost=money(incident.cost),
        channel=channel(incident.channel_id) if incident.channel_id else SETTING_UP,
    )


def incident_list(incidents: list[Incident], total: int, search: str) -> Message:
    """The ephemeral answer: (fallback text, blocks). `total` counts every match, shown or not."""
    shown = md(" matching “{search}”", search=clip(search, SEARCH_SHOWN)) if search else Mrkdwn("")
    if not incidents:
        text = (
            md("No incidents{shown}.", shown=shown)
            if search
            else Mrkdwn("No incidents right now: none active, none stable, none closed in the last 24 hours.")
        )
        return text, [section(md(":white_check_mark: {text}", text=text))]
    blocks: list[dict[str, Any]] = [header("Incidents")]
    if search:
        blocks.append(context(md("Showing incidents{shown} (title, reference or type).", shown=shown)))
    for status in GROUP_TITLES:
        group = [incident for incident in incidents if incident.status is status]
        if group:
            blocks.append(section(md("*{title}* ({count})", title=GROUP_TITLES[status], count=len(group))))
            blocks.extend(section(incident_line(incident)) for incident in group)
    hidden = total - len(incidents)
    if hidden > 0:
        blocks.append(context(more_note(hidden)))
    text = md("{total} incident{s}{shown}", total=total, s="s" if total != 1 else "", shown=shown)
    return text, blocks[:MESSAGE_BLOCK_LIMIT]


def more_note(hidden: int) -> Mrkdwn:
    return md(
        "{hidden} more not shown — narrow it with a filter, e.g. `INC-12` or a word of the title.",
        hidden=hidden,
    )
