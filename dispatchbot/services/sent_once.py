"""A ledger of scheduled messages already sent, so a daily message goes out once whichever replica ticks.

Separate from delivery keys on purpose: those are pruned after hours, while "today's summary to
#incidents was sent" must hold for the whole day whatever the retention is set to.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.storage.sent_once import SentOnceRepository


class SentOnceService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def claim(self, key: str) -> bool:
        """True exactly once per key: the caller that gets True sends, everyone else skips."""
        async with self._sessions.begin() as session:
            return await SentOnceRepository(session).claim(key, self._clock.now())

    async def release(self, key: str) -> None:
        """Give a claim back after the send failed, so the next tick tries again."""
        async with self._sessions.begin() as session:
            await SentOnceRepository(session).release(key)
