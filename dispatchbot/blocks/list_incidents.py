"""The `/dispatch-list-incidents` answer: incidents grouped by status, bounded by Slack's message limits."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import MESSAGE_BLOCK_LIMIT, clip, context, header, section
from dispatchbot.blocks.incident import STATUS_EMOJI, money
from dispatchbot.domain import Incident, Status

GROUP_TITLES = {
    Status.ACTIVE: "Active",
    Status.STABLE: "Stable",
    Status.CLOSED: "Closed in the last 24 hours",
}
SEARCH_SHOWN = 100
"""How much of the filter text is echoed back: enough to recognise it, never enough to flood a block."""


def escape(text: str) -> str:
    """Text people typed, made inert in mrkdwn: a title must not ping `<!channel>` or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def incident_line(incident: Incident) -> str:
    """One incident in three short lines: what it is, how bad, who leads, what it cost so far (as of the
    last accrual; final once closed) and where to go."""
    lock = " :lock:" if incident.restricted else ""
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "_channel being set up_"
    return (
        f"*{incident.reference}*{lock} · {escape(clip(incident.title, 200))}\n"
        f"{STATUS_EMOJI[incident.status]} {incident.status.label} · Type: {incident.incident_type} · "
        f"Severity: {incident.severity} · Priority: {incident.priority}\n"
        f"Commander: <@{incident.commander_id}> · Cost: {money(incident.cost)} · {channel}"
    )


def incident_list(incidents: list[Incident], total: int, search: str) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral answer: (fallback text, blocks). `total` counts every match, shown or not."""
    shown = f" matching “{escape(clip(search, SEARCH_SHOWN))}”" if search else ""
    if not incidents:
        text = (
            f"No incidents{shown}."
            if search
            else "No incidents right now: none active, none stable, none closed in the last 24 hours."
        )
        return text, [section(f":white_check_mark: {text}")]
    blocks: list[dict[str, Any]] = [header("Incidents")]
    if search:
        blocks.append(context(f"Showing incidents{shown} (title, reference or type)."))
    for status in GROUP_TITLES:
        group = [incident for incident in incidents if incident.status is status]
        if group:
            blocks.append(section(f"*{GROUP_TITLES[status]}* ({len(group)})"))
            blocks.extend(section(incident_line(incident)) for incident in group)
    hidden = total - len(incidents)
    if hidden > 0:
        blocks.append(context(more_note(hidden)))
    text = f"{total} incident{'s' if total != 1 else ''}{shown}"
    return text, blocks[:MESSAGE_BLOCK_LIMIT]


def more_note(hidden: int) -> str:
    return f"{hidden} more not shown — narrow it with a filter, e.g. `INC-12` or a word of the title."
