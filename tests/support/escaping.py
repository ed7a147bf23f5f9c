"""Hostile text and the check that it only ever reaches Slack's mrkdwn escaped.

Slack parses `<…>` in mrkdwn and in a message's `text`: `<!channel>`, `<!here>`, `<!everyone>` and
`<!subteam^…>` notify people, `<@U…>` mentions, `<https://…|…>` disguises a link; `&` starts an entity.
"""

from __future__ import annotations

import re

HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S123> <@U999> <https://evil.example|click> "
    "Tom & Jerry <b> a<b c>d"
)
"""What a mischievous reporter types into every field: every special form, and the bare characters."""

RAW_MARKUP = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U999", "<https://evil")
"""How the hostile text's markup looks when it was not escaped."""

_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
_TAG = re.compile(r"<[^<>]*>?")
_OURS = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#[CGD][A-Z0-9]+|!date\^\d+\^[^|<>]*\|[^<>]*|https?://[^|<>\s]+(?:\|[^<>]+)?)>"
)
"""The markup the app itself writes: mentions and channel links from ids, dates, links to real URLs."""


def unescaped(text: str) -> list[str]:
    """What in mrkdwn `text` is hostile markup left live, a `<…>` the app would never write, or an `&`
    that starts no entity; [] when the text is safe."""
    found = [marker for marker in RAW_MARKUP if marker in text]
    found += [tag for tag in _TAG.findall(text) if not _OURS.fullmatch(tag)]
    if _ENTITY.search(text):
        found.append("& without an entity")
    return found
