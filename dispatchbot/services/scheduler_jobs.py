"""What the scheduler did with each job, stored so `dispatchbot scheduler list` can show it from outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import SchedulerJobRow


@dataclass(frozen=True)
class JobState:
    name: str
    every_seconds: float
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None
    leader: str | None


class JobStateService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def started(self, name: str, every_seconds: float, runner: str) -> None:
        async with self._sessions.begin() as session:
            row = await self._row(session, name, every_seconds)
            row.every_seconds, row.last_started_at, row.leader = every_seconds, self._clock.now(), runner

    async def finished(self, name: str, every_seconds: float, error: str | None) -> None:
        async with self._sessions.begin() as session:
            row = await self._row(session, name, every_seconds)
            row.last_finished_at, row.last_error = self._clock.now(), error

    async def all(self) -> dict[str, JobState]:
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(SchedulerJobRow))
            return {
                row.name: JobState(
                    row.name,
                    row.every_seconds,
                    row.last_started_at,
                    row.last_finished_at,
                    row.last_error,
                    row.leader,
                )
                for row in rows
            }

    @staticmethod
    async def _row(session: AsyncSession, name: str, every_seconds: float) -> SchedulerJobRow:
        values = {"name": name, "every_seconds": every_seconds}
        await insert_if_absent(session, SchedulerJobRow.__table__, values)  # type: ignore[arg-type]
        row = await session.get(SchedulerJobRow, name, with_for_update=True)
        assert row is not None
        return row
