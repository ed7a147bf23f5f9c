"""Slack's mrkdwn as a type, so text from outside can never reach a place where Slack parses markup.

Slack reads `&`, `<` and `>` as control characters in mrkdwn text objects and in a message's `text`:
`<!channel>`, `<!here>` and `<!subteam^S1>` notify people, `<@U1>` mentions someone, `<https://x|y>`
disguises a link. A title, a report or a name can contain any of them, so whatever came from outside is
escaped (`&amp;`, `&lt;`, `&gt;`: Slack's own rule) before it becomes mrkdwn.

`Mrkdwn` is a `str` known to be safe. The block helpers and the Slack gateway take only `Mrkdwn` for
mrkdwn text and for a message's `text`, so mypy refuses a raw `str` there. The ways to make one:

- `md(template, **values)`: the template is ours (a literal); every value is escaped unless it is
  `Mrkdwn` already (numbers and times are formatted as they are);
- the markup helpers (`mention`, `channel`, `link`, `localized`), which build Slack's markup from the ids,
  URLs and moments we hold, escaping any text in them;
- `Mrkdwn("a literal")` for constant text, and `trusted(text)` for mrkdwn we built earlier and stored
  (timeline descriptions, participants' reasons, a run's recorded answer).

tests/blocks/test_mrkdwn.py checks that `Mrkdwn(...)` and `md(...)` are only given literals and lists
every `trusted(...)` call, so a bypass cannot slip in unnoticed. Combining keeps the guarantee:
`Mrkdwn + str`, `Mrkdwn.join(strs)` and `Mrkdwn.format(...)` escape whatever is not `Mrkdwn` yet.

plain_text objects (headers, buttons, options, modal titles, input labels) and channel topics are not
parsed by Slack, so they take ordinary strings: escaping them would show `&lt;` to people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import LiteralString
from urllib.parse import quote

ELLIPSIS = "…"
_SLACK_ID = re.compile(r"[A-Z0-9]{2,}")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
"""What stays as it is in a URL we link to: its delimiters and existing percent-escapes."""
_AS_IS = (int, float, date, time, timedelta)
"""Values whose formatting prints digits and the template's own characters, so they need no escaping
(and keep working with format specs such as `{cost:,.0f}` or `{when:%H:%M}`)."""


class Mrkdwn(str):
    """Text that may go into Slack's mrkdwn as it is: everything from outside in it is escaped."""

    __slots__ = ()

    def __add__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(escape(other), self))

    def join(self, parts: Iterable[str], /) -> Mrkdwn:
        return Mrkdwn(str.join(self, (escape(part) for part in parts)))

    def format(self, *args: object, **kwargs: object) -> Mrkdwn:
        return _format(self, args, kwargs)

    def clip(self, limit: int) -> Mrkdwn:
        """At most `limit` characters, ending in "…" when cut, and never cut inside `<…>` markup or an
        `&…;` entity (half a tag or entity would show as garbage, or open a tag the rest closes)."""
        if len(self) <= limit:
            return self
        head = str(self)[: limit - len(ELLIPSIS)]
        opened = head.rfind("<")
        if opened > head.rfind(">"):
            head = head[:opened]
        ampersand = head.rfind("&")
        if ampersand >= 0 and ";" not in head[ampersand:]:
            head = head[:ampersand]
        return Mrkdwn(head + ELLIPSIS)


def escape(value: object) -> Mrkdwn:
    """`value` as inert mrkdwn text: shown exactly as typed, never a mention, broadcast or link."""
    if isinstance(value, Mrkdwn):
        return value
    text = str(value)
    return Mrkdwn(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def unescape(text: str) -> str:
    """What people read, for places that are not mrkdwn (documents, plain-text form inputs)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def md(template: LiteralString, /, *args: object, **values: object) -> Mrkdwn:
    """`template` (our own markup, `str.format` fields) filled with values, each escaped unless it is
    `Mrkdwn` already: `md("*{ref}* · {title}", ref=incident.reference, title=incident.title)`."""
    return _format(template, args, values)


def trusted(text: str) -> Mrkdwn:
    """Mrkdwn we built before (with `md` and the helpers) and kept, e.g. in the database, read back.
    Never for text that came from outside: that is what `escape` and `md` are for."""
    return Mrkdwn(text)


def mention(user_id: str) -> Mrkdwn:
    """`<@U…>` for a user id we hold; anything that is not an id is shown as text, never as markup."""
    return Mrkdwn(f"<@{user_id}>") if _SLACK_ID.fullmatch(user_id) else escape(user_id)


def mentions(user_ids: Iterable[str], empty: str = "nobody") -> Mrkdwn:
    """Several people, comma-separated, or `empty` when there is nobody."""
    return Mrkdwn(", ").join(mention(user) for user in user_ids) or escape(empty)


def channel(channel_id: str) -> Mrkdwn:
    """`<#C…>`, which Slack shows as the channel's name, linked."""
    return Mrkdwn(f"<#{channel_id}>") if _SLACK_ID.fullmatch(channel_id) else escape(channel_id)


def link(url: str, label: str) -> Mrkdwn:
    """`<url|label>` with the label escaped and the URL percent-encoded where it must be (spaces, `|`,
    `<`, `>` would end or break the link) and escaped; anything but an http(s) URL is not linked: the
    label alone is shown."""
    if not url.startswith(("https://", "http://")):
        return escape(label)
    target = escape(quote(url, safe=_URL_SAFE))
    return Mrkdwn(f"<{target}|{escape(label)}>") if label else Mrkdwn(f"<{target}>")


def localized(moment: datetime, tokens: LiteralString, fallback: str) -> Mrkdwn:
    """`<!date^…>`: `moment` shown in each reader's own time zone per Slack's `tokens` (such as
    `{date_short_pretty} {time}`); `fallback` is what notifications and old clients show."""
    return Mrkdwn(f"<!date^{int(moment.timestamp())}^{tokens}|{escape(fallback)}>")


def _format(template: str, args: tuple[object, ...], values: dict[str, object]) -> Mrkdwn:
    return Mrkdwn(
        str.format(template, *map(_field, args), **{name: _field(value) for name, value in values.items()})
    )


def _field(value: object) -> object:
    return value if isinstance(value, _AS_IS) and not isinstance(value, str) else escape(value)
