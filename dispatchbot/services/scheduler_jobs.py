"""What the scheduler did with each job, stored so `dispatchbot scheduler list` can show it from outside."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import JobState
from dispatchbot.storage.scheduler_jobs import SchedulerJobRepository


class JobStateService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def started(self, name: str, every_seconds: float, runner: str) -> None:
        async with self._sessions.begin() as session:
            await SchedulerJobRepository(session).started(name, every_seconds, self._clock.now(), runner)

    async def finished(self, name: str, every_seconds: float, error: str | None) -> None:
        async with self._sessions.begin() as session:
            await SchedulerJobRepository(session).finished(name, every_seconds, self._clock.now(), error)

    async def all(self) -> dict[str, JobState]:
        async with self._sessions.begin() as session:
            return await SchedulerJobRepository(session).all()
