"""Slack's emoji shortcodes as the characters the client shows, for the codes the bot and people use
most; any other code stays as typed (`:party_parrot:`), which is what Slack shows for an unknown one."""

from __future__ import annotations

import re

_CODES = {
    "alarm_clock": "⏰",
    "arrows_counterclockwise": "🔄",
    "ballot_box_with_check": "☑️",
    "bell": "🔔",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "eyes": "👀",
    "fire": "🔥",
    "gear": "⚙️",
    "heavy_check_mark": "✔️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "large_blue_circle": "🔵",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "leftwards_arrow_with_hook": "↩️",
    "lock": "🔒",
    "mag": "🔍",
    "memo": "📝",
    "new": "🆕",
    "page_facing_up": "📄",
    "pager": "📟",
    "pencil2": "✏️",
    "pray": "🙏",
    "raised_hand": "✋",
    "red_circle": "🔴",
    "repeat": "🔁",
    "rotating_light": "🚨",
    "speech_balloon": "💬",
    "stopwatch": "⏱️",
    "tada": "🎉",
    "twisted_rightwards_arrows": "🔀",
    "warning": "⚠️",
    "wave": "👋",
    "white_check_mark": "✅",
    "white_circle": "⚪",
    "x": "❌",
    "zzz": "💤",
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
}
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")


def glyph(name: str) -> str:
    """The emoji for ``name`` (without colons), or ``:name:`` when it is not one of the known codes."""
    return _CODES.get(name, f":{name}:")


def emojify(text: str) -> str:
    """Replace the known shortcodes in ``text``; safe on escaped HTML (codes hold no markup characters)."""
    return _SHORTCODE.sub(lambda match: glyph(match.group(1)), text)
