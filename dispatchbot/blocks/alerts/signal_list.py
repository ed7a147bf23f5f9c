"""`/dispatch-list-signals`: the signals that post in a channel, a page at a time, each with a Snooze
button (Dispatch's list, 25 a page). Signal names and channels come from config, snooze times from
people: all escaped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dispatchbot.blocks.common import Message, buttons, clip, context, section
from dispatchbot.config import SignalSettings
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, channel, md

PAGE_SIZE = 25
NAME_LIMIT = 80
CHANNEL_ID_LIMIT = 40
"""A button's value holds the channel's id (a dozen characters from Slack): never more than this."""


def signal_list(
    signals: Sequence[SignalSettings], snoozed_until: dict[str, datetime], channel_id: str, page: int
) -> Message:
    """Page `page` (from 0) of `signals`; `snoozed_until` by signal name for those snoozed now."""
    if not signals:
        line = md("There are no signals configured for {channel}.", channel=channel(channel_id))
        return line, [section(line)]
    pages = (len(signals) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = signals[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = md("Signals posting in {channel}", channel=channel(channel_id))
    blocks: list[dict[str, Any]] = [section(md("*{title}*", title=title))]
    for signal in shown:
        blocks.append(
            {
                **section(_line(signal, snoozed_until.get(signal.name))),
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Snooze"},
                    "action_id": ActionId.OPEN_SNOOZE_SIGNAL,
                    "value": json.dumps({"signal": signal.name, "channel": channel_id[:CHANNEL_ID_LIMIT]}),
                },
            }
        )
    if pages > 1:
        blocks.append(context(md("Page {n} of {of}", n=str(page + 1), of=str(pages))))
        moves = [
            (label, ActionId.SIGNALS_PAGE, json.dumps({"channel": channel_id[:CHANNEL_ID_LIMIT], "page": to}))
            for label, to, show in (("Previous", page - 1, page > 0), ("Next", page + 1, page < pages - 1))
            if show
        ]
        blocks.append(buttons(*moves))
    return md(
        "{count} signals post in {channel}", count=str(len(signals)), channel=channel(channel_id)
    ), blocks


def _line(signal: SignalSettings, snoozed: datetime | None) -> Mrkdwn:
    route = signal.route or "channel"
    line = md("*{name}* · {route}", name=clip(signal.name, NAME_LIMIT), route=route)
    if route == "case":
        line = md("{line} ({type})", line=line, type=clip(signal.case_type or "default type", NAME_LIMIT))
    if snoozed is not None:
        line = md("{line} · :zzz: snoozed until {until} UTC", line=line, until=f"{snoozed:%Y-%m-%d %H:%M}")
    return line


def read_page(value: str) -> tuple[str, int]:
    """(channel id, page) from a Previous/Next button; a tampered value reads as the first page."""
    try:
        found = json.loads(value)
        return str(found["channel"]), int(found["page"])
    except (ValueError, KeyError, TypeError):
        return "", 0


def read_snooze_button(value: str) -> tuple[str, str]:
    """(signal, channel id) from a Snooze button."""
    try:
        found = json.loads(value)
        return str(found["signal"]), str(found["channel"])
    except (ValueError, KeyError, TypeError):
        return "", ""
