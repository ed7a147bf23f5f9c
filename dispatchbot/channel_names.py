"""Incident channel names: Slack-legal (lowercase a-z, 0-9, `-`, `_`), at most 80 characters, readable."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80
_ILLEGAL = re.compile(r"[^a-z0-9_-]+")


def slugify(text: str) -> str:
    """`DB latency > 5s!` → `db-latency-5s`; accents are folded rather than dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _ILLEGAL.sub("-", folded).strip("-_")


def channel_name(template: str, number: int, title: str) -> str:
    """Fill the configured template; the slug is shortened, never the number, to fit 80 characters."""
    fixed = template.format(number=number, slug="")
    room = MAX_LENGTH - len(slugify(fixed))
    slug = slugify(title)[: max(room, 0)].strip("-_")
    name = slugify(template.format(number=number, slug=slug or "incident"))
    return re.sub("-{2,}", "-", name)[:MAX_LENGTH].strip("-_")
