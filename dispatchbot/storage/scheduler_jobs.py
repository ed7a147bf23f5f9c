"""Scheduler job rows: what each job last did, one row per job name. Flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import JobState
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import SchedulerJobRow


class SchedulerJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def started(self, name: str, every_seconds: float, at: datetime, runner: str) -> None:
        row = await self._locked(name, every_seconds)
        row.every_seconds, row.last_started_at, row.leader = every_seconds, at, runner

    async def finished(self, name: str, every_seconds: float, at: datetime, error: str | None) -> None:
        row = await self._locked(name, every_seconds)
        row.last_finished_at, row.last_error = at, error

    async def all(self) -> dict[str, JobState]:
        rows = await self._session.scalars(select(SchedulerJobRow))
        return {row.name: _to_domain(row) for row in rows}

    async def _locked(self, name: str, every_seconds: float) -> SchedulerJobRow:
        """The job's row, created when missing, locked (PostgreSQL) so two replicas' writes serialise."""
        values = {"name": name, "every_seconds": every_seconds}
        await insert_if_absent(self._session, SchedulerJobRow.__table__, values)
        row = await self._session.get(SchedulerJobRow, name, with_for_update=True)
        assert row is not None
        return row


def _to_domain(row: SchedulerJobRow) -> JobState:
    return JobState(
        row.name,
        row.every_seconds,
        row.last_started_at,
        row.last_finished_at,
        row.last_error,
        row.leader,
    )
