"""Delivery keys already handled: turns Slack's at-least-once delivery into exactly-once handling."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import DeliveryRow


class DeliveryService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def first_time(self, key: str, window: timedelta | None = None) -> bool:
        """Record `key`; False when any replica recorded it before (a redelivery or a double click).

        With a `window`, the key counts as new again once its last sighting is older than the window,
        so a second deliberate click a while later goes through.
        """
        now = self._clock.now()
        key = key[:255]
        async with self._sessions.begin() as session:
            values = {"key": key, "received_at": now}
            if await insert_if_absent(session, DeliveryRow.__table__, values):  # type: ignore[arg-type]
                return True
            if window is None:
                return False
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.key == key, DeliveryRow.received_at < now - window)
                .values(received_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def prune(self, older_than: datetime) -> int:
        """Forget keys past the retention; Slack stops redelivering after minutes, not days."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(DeliveryRow).where(DeliveryRow.received_at < older_than))
            return int(getattr(result, "rowcount", 0) or 0)
