"""Slack mrkdwn to HTML, the way the Slack client shows it.

Everything is escaped before any markup is added, so no text the bot sends (or echoes from a user) can
become HTML. Slack's own escapes (`&amp;`, `&lt;`, `&gt;`) are undone first, since the client shows
them as the characters; control sequences in `<...>` become mentions, channel names and links, and
`<!here>`/`<!channel>` are shown as text (nobody is notified in a browser).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dispatchbot.sandbox.render.emoji import emojify

_PRE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_CONTROL = re.compile(r"<([^<>\n]+)>")
_EMPHASIS = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "del"),
)
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Names:
    """Display names for the ids mrkdwn and rich text refer to (people by id, channels by id)."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)

    def user(self, user_id: str) -> str:
        return self.users.get(user_id, user_id)

    def channel(self, channel_id: str) -> str:
        return self.channels.get(channel_id, channel_id)


def slack_unescape(text: str) -> str:
    """The characters Slack's three escapes stand for (and nothing else: `&quot;` stays as typed)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text(raw: str) -> str:
    """Escaped HTML for text Slack shows as it is (plain_text objects, topics)."""
    return html.escape(raw, quote=True)


def link(url: str, label: str) -> str:
    """A link that opens in a new tab, or just its label when the URL is not http(s)/mailto."""
    if not url.startswith(_SAFE_SCHEMES):
        return text(label)
    return f'<a href="{text(url)}" target="_blank" rel="noopener noreferrer">{text(label)}</a>'


def mention(label: str, css: str) -> str:
    return f'<span class="{css}">{text(label)}</span>'


def channel_mention(channel_id: str, label: str) -> str:
    """A channel mention as a link the page opens in place, as Slack does (or #general, when the
    person may not see it)."""
    return (
        f'<a class="channel-mention" href="#{text(channel_id)}" data-channel="{text(channel_id)}">'
        f"#{text(label)}</a>"
    )


def _control(inner: str, names: Names) -> str:
    """One `<...>` sequence as HTML: a mention, a channel, a special mention, a date, or a link."""
    target, _, label = inner.partition("|")
    label = slack_unescape(label)
    if target.startswith("@"):
        return mention("@" + (label or names.user(target[1:])), "mention")
    if target.startswith("#"):
        return channel_mention(target[1:], label or names.channel(target[1:]))
    if target.startswith("!subteam^"):
        return mention(label or "@group", "mention")
    if target.startswith("!date^"):
        return text(label or target)
    if target.startswith("!"):
        return mention("@" + target[1:], "special-mention")
    url = slack_unescape(target)
    if not url.startswith(_SAFE_SCHEMES):
        return text(slack_unescape(f"<{inner}>"))  # not markup Slack knows: shown as typed
    return link(url, label or url)


def _inline(raw: str, names: Names) -> str:
    """Control sequences, escaping and emphasis for text outside code: sequences are set aside as
    placeholders so emphasis never reaches inside a link's HTML."""
    pieces: list[str] = []

    def keep(match: re.Match[str]) -> str:
        pieces.append(_control(match.group(1), names))
        return f"\x00{len(pieces) - 1}\x00"

    escaped = text(slack_unescape(_CONTROL.sub(keep, raw)))
    for pattern, tag in _EMPHASIS:
        escaped = pattern.sub(rf"<{tag}>\1</{tag}>", escaped)
    escaped = emojify(escaped).replace("\n", "<br>")
    return _PLACEHOLDER.sub(lambda m: pieces[int(m.group(1))], escaped)


def _split(
    raw: str, pattern: re.Pattern[str], inside: Callable[[str], str], outside: Callable[[str], str]
) -> str:
    out: list[str] = []
    position = 0
    for match in pattern.finditer(raw):
        out.append(outside(raw[position : match.start()]))
        out.append(inside(match.group(1)))
        position = match.end()
    out.append(outside(raw[position:]))
    return "".join(out)


def to_html(raw: str, names: Names) -> str:
    """HTML for a mrkdwn string: ```pre```, `code`, `<...>` sequences, *bold*, _italic_, ~strike~."""

    def pre(code: str) -> str:
        return f"<pre>{text(slack_unescape(code.strip(chr(10))))}</pre>"

    def code(span: str) -> str:
        return f"<code>{text(slack_unescape(span))}</code>"

    def prose(part: str) -> str:
        return _split(part, _CODE, code, lambda rest: _inline(rest, names))

    return _split(raw, _PRE, pre, prose)
