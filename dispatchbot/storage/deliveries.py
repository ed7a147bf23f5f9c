"""Delivery key rows: one per Slack delivery already handled. Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.storage.inserts import insert_missing
from dispatchbot.storage.tables import DeliveryRow


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_missing(self, keys: Iterable[str], now: datetime) -> set[str]:
        """Record every key not recorded yet, in one statement; returns the keys recorded here."""
        rows = [{"key": key, "received_at": now} for key in keys]
        return await insert_missing(self._session, DeliveryRow.__table__, rows, "key")

    async def refresh_older_than(self, keys: set[str], seen_before: datetime, now: datetime) -> set[str]:
        """Mark seen now those of `keys` last seen before `seen_before`; returns them."""
        result = await self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.key.in_(keys), DeliveryRow.received_at < seen_before)
            .values(received_at=now)
            .returning(DeliveryRow.key)
        )
        return set(result.scalars())

    async def prune(self, older_than: datetime) -> int:
        result = await self._session.execute(delete(DeliveryRow).where(DeliveryRow.received_at < older_than))
        return int(getattr(result, "rowcount", 0) or 0)
