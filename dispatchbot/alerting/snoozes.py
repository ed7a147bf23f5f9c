"""Signal snoozes (Dispatch's snooze filter, without its defects): for a while, new alerts of a signal,
all of them or only those whose entities match, are stored and counted but never announced. A snooze
never turns off de-duplication, and it ends by itself: its window is in seconds, like every window here.

Entities are values a signal's `entities` table extracts from each alert (`labels.instance`, `title`,
`payload.host.name`), so a snooze can say "this host only".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatchbot.alert_formats.model import InboundAlert

SNOOZE_CHOICES: Mapping[str, timedelta] = {
    "1 hour": timedelta(hours=1),
    "3 hours": timedelta(hours=3),
    "1 day": timedelta(days=1),
    "3 days": timedelta(days=3),
    "1 week": timedelta(weeks=1),
    "2 weeks": timedelta(weeks=2),
}
"""The expirations a person may choose, Dispatch's list."""

ENTITY_LIMIT = 200
"""Characters of one entity value kept (labels are clipped already; payload values may be anything)."""


@dataclass(frozen=True)
class Snooze:
    id: int
    signal: str
    entities: Mapping[str, str]
    """What an alert's entities must include for it to be snoozed; empty: every alert of the signal."""
    created_by: str
    created_at: datetime
    expires_at: datetime
    case_id: int | None = None
    """The case it was made from: its start and end are said in that case's thread."""
    matched: int = 0

    def is_active(self, now: datetime) -> bool:
        return now < self.expires_at

    def matches(self, entities: Mapping[str, str]) -> bool:
        return all(entities.get(name) == value for name, value in self.entities.items())


def entities_of(alert: InboundAlert, paths: Mapping[str, str]) -> dict[str, str]:
    """The values `paths` (name → path, as `[[signals]].entities` says) name in `alert`, if present."""
    found: dict[str, str] = {}
    for name, path in paths.items():
        value = _value_at(alert, path)
        if value is not None:
            found[name] = value[:ENTITY_LIMIT]
    return found


def _value_at(alert: InboundAlert, path: str) -> str | None:
    head, _, rest = path.partition(".")
    if head == "labels":
        return alert.labels.get(rest)
    if head == "payload":
        node: Any = alert.raw
        for key in rest.split("."):
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return None if node is None or isinstance(node, Mapping | list) else str(node)
    value = getattr(alert, head, None)
    return None if value is None else str(getattr(value, "value", value))
