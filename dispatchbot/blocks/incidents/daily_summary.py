"""The daily summary message: the channel's cases of the day in one line, then incidents in three
sections, within Slack's 50 blocks per message.

Every incident takes a section (reference, title, status, type, severity, priority, commander, channel)
and, unless closed, an actions block with Join and Subscribe, the same buttons as on notifications.
When they do not all fit, each section shows what it can (shared out fairly, so a busy Active section
does not push the others out) and ends with "…and N more".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dispatchbot.blocks.alerts.case_list import case_activity
from dispatchbot.blocks.common import MESSAGE_BLOCK_LIMIT, Message, buttons, context, header, section
from dispatchbot.blocks.incidents.list_incidents import incident_line
from dispatchbot.domain import Incident, Status
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import md

SECTIONS = {
    Status.ACTIVE: "Active",
    Status.STABLE: "Stable in the last 24 hours",
    Status.CLOSED: "Closed in the last 24 hours",
}


def summary(day: date, incidents: list[Incident], cases: tuple[int, int] | None = None) -> Message:
    """The message for one channel: (fallback text, blocks). `cases` is the channel's (new, closed)
    cases of the day, None when it had none; `incidents` may be empty only when `cases` is not."""
    groups = [
        (title, [incident for incident in incidents if incident.status is status])
        for status, title in SECTIONS.items()
    ]
    groups = [(title, group) for title, group in groups if group]
    counts = [", ".join(f"{len(group)} {title.split()[0].lower()}" for title, group in groups)]
    when = f"{day:%A} {day.day} {day:%B %Y}"
    blocks: list[dict[str, Any]] = [header(f"Daily incident summary · {when}")]
    if cases is not None:
        counts.append("cases: {} new, {} closed".format(*cases))
        blocks.append(section(case_activity(*cases)))
    text = md(
        "Daily incident summary for {when}: {counts}", when=when, counts="; ".join(filter(None, counts))
    )
    # Every section may need its title and an "…and N more" line; the rest is for incidents.
    budget = MESSAGE_BLOCK_LIMIT - len(blocks) - 2 * len(groups)
    for (title, group), shown in zip(groups, _fit([group for _, group in groups], budget), strict=True):
        blocks.append(section(md("*{title}* ({count})", title=title, count=len(group))))
        for incident in group[:shown]:
            blocks.extend(incident_blocks(incident))
        if shown < len(group):
            blocks.append(context(md("…and {more} more", more=len(group) - shown)))
    return text, blocks


def incident_blocks(incident: Incident) -> list[dict[str, Any]]:
    blocks = [section(incident_line(incident))]
    if incident.status is not Status.CLOSED:
        blocks.append(
            buttons(
                ("Join", ActionId.JOIN_INCIDENT, str(incident.id)),
                ("Subscribe", ActionId.SUBSCRIBE, str(incident.id)),
            )
        )
    return blocks


def _fit(groups: list[list[Incident]], budget: int) -> list[int]:
    """How many incidents of each group to show: one from each in turn while blocks remain."""
    shown = [0] * len(groups)
    placed = True
    while placed:
        placed = False
        for index, group in enumerate(groups):
            if shown[index] < len(group):
                cost = len(incident_blocks(group[shown[index]]))
                if cost <= budget:
                    shown[index] += 1
                    budget -= cost
                    placed = True
    return shown
