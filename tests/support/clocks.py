"""A clock tests set and advance by hand, so scheduled behaviour is tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Starts at `start` (default: the real now) and moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
