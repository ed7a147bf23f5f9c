"""Reading a payload's fields by type, and the bounds every format applies to what it read.

A payload is whatever a sender put on the wire. Each reader checks one field's type and, when it is
wrong, raises a `FormatError` naming the field's path (`alerts[3].labels`), so the 400 says exactly what
to fix. Sizes are clipped rather than refused: a monitoring system cannot be told to shorten a label,
and an alert with a clipped title is better than a lost one. What was dropped is reported in the
payload's warnings, counted once per kind so ten thousand oversized alerts make one line, not ten
thousand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dispatchbot.alert_formats.model import AlertFormat, FormatError

TITLE_LIMIT = 250
DESCRIPTION_LIMIT = 3000
LABELS_LIMIT = 64
LABEL_KEY_LIMIT = 128
LABEL_VALUE_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
URL_LIMIT = 3000
"""Slack's limit for a button's URL; a longer URL cannot be clipped into a working one, so it is dropped."""
NESTING_LIMIT = 100
"""Arrays and objects deeper than this are refused: hashing and storing a payload walk it recursively,
and JSON a few levels short of Python's recursion limit would fail there, not here (and take the other
requests of its group commit down with it)."""


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def digest(value: object, length: int) -> str:
    """A hex sha256 of `value`'s canonical JSON: the same content gives the same id on every retry."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def bounded_key(key: str) -> str:
    """A dedup key short enough to index; a longer one is replaced by its hash, which stays unique."""
    return key if len(key) <= DEDUP_KEY_LIMIT else hashlib.sha256(key.encode()).hexdigest()


def _storable(text: str) -> str:
    """JSON may carry lone surrogates (`"\\ud800"`) that no database can store: make them `?`."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def too_deep(value: object) -> bool:
    """Whether decoded JSON nests arrays and objects more than `NESTING_LIMIT` deep (walked level by
    level, so the check itself cannot overflow the stack)."""
    level, depth = [value], 0
    while containers := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        if depth > NESTING_LIMIT:
            return True
        level = [
            child for item in containers for child in (item.values() if isinstance(item, dict) else item)
        ]
    return False


def label_value(value: object) -> str | None:
    """A label's value as text: strings as they are, other JSON as compact JSON, null as no label."""
    if value is None:
        return None
    if isinstance(value, str):
        return _storable(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Notes:
    """The payload's warnings, each kind counted once with the first place it happened."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._kinds: dict[str, tuple[str, int]] = {}

    def add(self, line: str) -> None:
        self._lines.append(line)

    def count(self, kind: str, where: str) -> None:
        first, times = self._kinds.get(kind, (where, 0))
        self._kinds[kind] = (first, times + 1)

    def warnings(self) -> tuple[str, ...]:
        counted = [
            f"{first}: {kind}" if times == 1 else f"{kind} ({times} times, first at {first})"
            for kind, (first, times) in self._kinds.items()
        ]
        return (*self._lines, *counted)


def bounded_labels(labels: Mapping[str, str], where: str, notes: Notes) -> dict[str, str]:
    """At most `LABELS_LIMIT` labels, the first by key, with keys and values clipped."""
    keys = sorted(labels)
    if len(keys) > LABELS_LIMIT:
        notes.count(f"more than {LABELS_LIMIT} labels, kept the first {LABELS_LIMIT} by name", where)
        keys = keys[:LABELS_LIMIT]
    return {clip(_storable(key), LABEL_KEY_LIMIT): clip(labels[key], LABEL_VALUE_LIMIT) for key in keys}


def bounded_url(url: str, where: str, notes: Notes) -> str:
    if len(url) <= URL_LIMIT:
        return url
    notes.count(f"URL longer than {URL_LIMIT} characters dropped", where)
    return ""


@dataclass(frozen=True, slots=True)
class Fields:
    """One JSON object of a payload and where it sits in it (`""` for the payload itself)."""

    format: AlertFormat
    data: Mapping[str, Any]
    path: str = ""

    @classmethod
    def of(cls, format: AlertFormat, value: object, path: str = "") -> Fields:
        if not isinstance(value, dict):
            if not path:
                raise FormatError(format, None, "the payload must be a JSON object")
            raise FormatError(format, path, "must be a JSON object")
        return cls(format, value, path)

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, reason: str) -> FormatError:
        return FormatError(self.format, self.at(key), reason)

    def text(self, key: str) -> str:
        """A string field; absent or null reads as ""."""
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return _storable(value)

    def identifier(self, key: str) -> str:
        """An id: a string, or a whole number some senders use instead; absent or null reads as ""."""
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(key)

    def required(self, key: str, reason: str = "is required") -> str:
        value = self.text(key)
        if not value.strip():
            raise self.error(key, reason)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def whole_number(self, key: str) -> int:
        """A count; absent or null reads as 0."""
        value = self.data.get(key)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "must be a whole number")
        return value

    def time(self, key: str) -> datetime | None:
        """An ISO-8601 time in UTC (no offset is read as UTC); absent, empty or Go's zero time is None."""
        text = self.text(key)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(key, "must be an ISO-8601 time") from None
        if moment.year == 1:
            return None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.error(key, "is out of range") from None

    def child(self, key: str) -> Fields:
        """A nested object; absent or null reads as an empty one."""
        value = self.data.get(key)
        return Fields.of(self.format, {} if value is None else value, self.at(key))

    def children(self, key: str) -> list[Fields]:
        """A list of objects; absent or null reads as []."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, "must be a list")
        where = self.at(key)
        return [Fields.of(self.format, item, f"{where}[{index}]") for index, item in enumerate(value)]

    def labels(self, key: str) -> dict[str, str]:
        """An object of labels, values as text (`label_value`); unbounded: see `bounded_labels`."""
        values = self.child(key).data
        return {name: text for name, value in values.items() if (text := label_value(value)) is not None}
