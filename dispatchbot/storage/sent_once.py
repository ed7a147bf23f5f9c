"""The sent-once ledger's rows: one per scheduled message already sent. Flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import SentOnceRow

KEY_LENGTH = 255


class SentOnceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, key: str, now: datetime) -> bool:
        """Record `key` unless it is recorded already; True when this call recorded it."""
        values = {"key": key[:KEY_LENGTH], "sent_at": now}
        return await insert_if_absent(self._session, SentOnceRow.__table__, values)

    async def release(self, key: str) -> None:
        await self._session.execute(delete(SentOnceRow).where(SentOnceRow.key == key[:KEY_LENGTH]))
