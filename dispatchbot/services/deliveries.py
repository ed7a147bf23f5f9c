"""Delivery keys already handled: turns Slack's at-least-once delivery into exactly-once handling.

Two layers. This process remembers the keys it saw in the last minutes, so a repeat that reaches the
same replica is known at once, even while the first one is still being recorded, without touching
the database. The database holds every key (a unique constraint), so a repeat that reaches another
replica is caught too; those writes are group-committed: keys that arrive while a transaction is in
flight are recorded together in the next one, and a burst of 50 requests costs two or three
transactions instead of fifty serialised writes (SQLite has a single writer).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.storage.deliveries import DeliveryRepository

KEY_LENGTH = 255

REMEMBERED_FOR = timedelta(minutes=10)
"""How long this process remembers a key: longer than Slack keeps redelivering an unacked request."""

REMEMBERED_AT_MOST = 10_000
"""A bound on the memory under a flood of events; the database still catches what is forgotten."""


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
        self._seen: OrderedDict[str, datetime] = OrderedDict()

    async def first_time(self, key: str, window: timedelta | None = None) -> bool:
        """Whether `key` is new; False when any replica recorded it before (a redelivery or a double
        click).

        With a `window`, the key counts as new again once its last sighting is older than the window,
        so a second deliberate click a while later goes through.
        """
        verdict = self.record(key, window)
        return False if verdict is None else await verdict

    def record(self, key: str, window: timedelta | None = None) -> asyncio.Future[bool] | None:
        """Record `key` without waiting: None when this process saw it already (a repeat, known now);
        otherwise a future that says, once the key is committed, whether it is new across replicas."""
        key = key[:KEY_LENGTH]
        now = self._clock.now()
        if self._seen_here(key, window, now):
            return None
        self._remember(key, now)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(key, window, answer))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="delivery-keys")
        return answer

    async def drain(self, within: float) -> None:
        """Let keys still being recorded reach the database (at shutdown, before it is closed)."""
        if self._flusher is not None and not self._flusher.done():
            await asyncio.wait({self._flusher}, timeout=within)

    async def prune(self, older_than: datetime) -> int:
        """Forget keys past the retention; Slack stops redelivering after minutes, not days."""
        async with self._sessions.begin() as session:
            return await DeliveryRepository(session).prune(older_than)

    def _seen_here(self, key: str, window: timedelta | None, now: datetime) -> bool:
        seen_at = self._seen.get(key)
        if seen_at is None or seen_at < now - REMEMBERED_FOR:
            return False
        return window is None or seen_at >= now - window

    def _remember(self, key: str, now: datetime) -> None:
        self._seen[key] = now
        self._seen.move_to_end(key)
        forget_before = now - REMEMBERED_FOR
        while self._seen and (
            len(self._seen) > REMEMBERED_AT_MOST or next(iter(self._seen.values())) < forget_before
        ):
            self._seen.popitem(last=False)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                new = await self._record(batch)
            except Exception as exc:
                for pending in batch:
                    self._seen.pop(pending.key, None)  # not recorded: a redelivery may try again
                    if not pending.answer.done():  # its waiter may have been cancelled
                        pending.answer.set_exception(exc)
                continue
            answered: set[str] = set()
            for pending in batch:
                if not pending.answer.done():
                    pending.answer.set_result(pending.key in new and pending.key not in answered)
                answered.add(pending.key)

    async def _record(self, batch: list[_Pending]) -> set[str]:
        """The keys of `batch` that are new: inserted now, or last seen longer ago than their window."""
        now = self._clock.now()
        keys = {pending.key for pending in batch}
        async with self._sessions.begin() as session:
            deliveries = DeliveryRepository(session)
            new = await deliveries.add_missing(keys, now)
            windows = {
                pending.window for pending in batch if pending.window is not None and pending.key not in new
            }
            for window in windows:
                stale = {p.key for p in batch if p.window == window and p.key not in new}
                new.update(await deliveries.refresh_older_than(stale, now - window, now))
        return new
