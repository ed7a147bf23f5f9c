"""Delivery keys already handled: turns Slack's at-least-once delivery into exactly-once handling.

This sits on the ack path of every request, so it is group-committed: keys that arrive while a
transaction is in flight are recorded together in the next one. A burst of 50 commands costs two
or three transactions instead of fifty serialised writes (SQLite has a single writer).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.storage.inserts import insert_missing
from dispatchbot.storage.tables import DeliveryRow

KEY_LENGTH = 255


@dataclass(frozen=True)
class _Pending:
    key: str
    window: timedelta | None
    answer: asyncio.Future[bool]


class DeliveryService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._queue: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def first_time(self, key: str, window: timedelta | None = None) -> bool:
        """Record `key`; False when any replica recorded it before (a redelivery or a double click).

        With a `window`, the key counts as new again once its last sighting is older than the window,
        so a second deliberate click a while later goes through.
        """
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(key[:KEY_LENGTH], window, answer))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="delivery-keys")
        return await answer

    async def prune(self, older_than: datetime) -> int:
        """Forget keys past the retention; Slack stops redelivering after minutes, not days."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(DeliveryRow).where(DeliveryRow.received_at < older_than))
            return int(getattr(result, "rowcount", 0) or 0)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                new = await self._record(batch)
            except Exception as exc:
                for pending in batch:
                    pending.answer.set_exception(exc)
                continue
            seen: set[str] = set()
            for pending in batch:
                pending.answer.set_result(pending.key in new and pending.key not in seen)
                seen.add(pending.key)

    async def _record(self, batch: list[_Pending]) -> set[str]:
        """The keys of `batch` that are new: inserted now, or last seen longer ago than their window."""
        now = self._clock.now()
        keys = {pending.key for pending in batch}
        async with self._sessions.begin() as session:
            rows = [{"key": key, "received_at": now} for key in keys]
            new = await insert_missing(session, DeliveryRow.__table__, rows, "key")  # type: ignore[arg-type]
            windows = {
                pending.window for pending in batch if pending.window is not None and pending.key not in new
            }
            for window in windows:
                stale = {p.key for p in batch if p.window == window and p.key not in new}
                result = await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.key.in_(stale), DeliveryRow.received_at < now - window)
                    .values(received_at=now)
                    .returning(DeliveryRow.key)
                )
                new.update(result.scalars())
        return new
