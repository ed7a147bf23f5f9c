"""Open cases as lists: the `/dispatch-list-cases` answer, the App Home's "Your open cases", and the
daily summary's count of a channel's new and closed cases.

A case's title came from an alert or a person: it is escaped and clipped like on the case message. Each
case links to its message when Slack gave us a permalink, and names its channel otherwise.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts.alert_message import NAME_LIMIT, TITLE_LIMIT
from dispatchbot.blocks.alerts.case_message import STATUS_EMOJI
from dispatchbot.blocks.common import Message, clip, context, header, section
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, link, md, mention

Listed = tuple[Case, str]
"""A case and the permalink of its message ("" when there is none to give)."""

LIST_SHOWN = 25
"""Cases in the command's answer: each is a section, well within a message's 50 blocks."""
HOME_SHOWN = 10
"""Cases on the App Home tab, which also lists incidents (100 blocks in all)."""
NO_CASES = Mrkdwn("There are no open cases.")


def case_line(case: Case, permalink: str) -> Mrkdwn:
    """One case in two lines: what it is, then its state, owner, alerts and where to find it."""
    return md(
        "*{name}*{lock} · {title}\n{emoji} {status} · Priority: {priority} · Assignee: {assignee} · "
        "{count:,} alert{s} · {where}",
        name=case.name,
        lock=Mrkdwn(" :lock:") if case.restricted else Mrkdwn(""),
        title=clip(case.title, TITLE_LIMIT),
        emoji=STATUS_EMOJI[case.status],
        status=case.status.label,
        priority=clip(case.case_priority, NAME_LIMIT),
        assignee=mention(clip(case.assignee, NAME_LIMIT)) if case.assignee else Mrkdwn("nobody"),
        count=case.alert_count,
        s="" if case.alert_count == 1 else "s",
        where=link(permalink, "open the case") if permalink else md("in {channel}", channel=_channel(case)),
    )


def case_list(listed: list[Listed], total: int) -> Message:
    """The ephemeral answer: (fallback text, blocks). `total` counts every open case the person may see."""
    if not listed:
        return NO_CASES, [section(md(":white_check_mark: {text}", text=NO_CASES))]
    blocks = [header("Open cases"), *(section(case_line(case, permalink)) for case, permalink in listed)]
    if total > len(listed):
        blocks.append(context(md("…and {hidden} more", hidden=total - len(listed))))
    return md("{total} open case{s}", total=total, s="" if total == 1 else "s"), blocks


def home_cases(listed: list[Listed], total: int, list_command: str) -> list[dict[str, Any]]:
    """The App Home's "Your open cases": those the person is assigned to or takes part in."""
    blocks = [header("Your open cases")]
    if listed:
        blocks.extend(section(case_line(case, permalink)) for case, permalink in listed)
    else:
        blocks.append(context(Mrkdwn("You are not assigned to or taking part in any open case.")))
    hidden = total - len(listed)
    if hidden > 0:
        blocks.append(
            context(
                md("{hidden} more not shown — `{command}` lists them.", hidden=hidden, command=list_command)
            )
        )
    return blocks


def case_activity(opened: int, closed: int) -> Mrkdwn:
    """The daily summary's line for a channel's cases over the summary's day."""
    return md("*Cases:* {opened} new, {closed} closed", opened=opened, closed=closed)


def _channel(case: Case) -> Mrkdwn:
    """`<#C…>` for a channel id; a configured name ("#triage") shown as it is written."""
    return channel(case.channel) if case.channel else escape("its channel")
