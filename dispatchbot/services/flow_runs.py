"""Transactions over flow-run rows, each method one transaction, all fenced by this process's lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import FlowRun, RunStatus
from dispatchbot.storage.flow_runs import FlowRunRepository
from dispatchbot.storage.liveness import Liveness


class LeaseLost(Exception):
    """Another replica took the run (our lease lapsed); this process must stop working on it."""


class FlowRunService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        owner: str,
        lease_seconds: float,
        liveness: Liveness,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.owner = owner
        self._lease = timedelta(seconds=lease_seconds)
        self.liveness = liveness

    async def open(self, kind: str, key: str, args: dict[str, Any]) -> tuple[FlowRun, bool]:
        """The run for (kind, key), created when new; a repeat of the same key returns the first run."""
        async with self._sessions.begin() as session:
            repository = FlowRunRepository(session)
            created = await repository.insert_if_absent(kind, key, args, self._clock.now())
            run = await repository.by_key(kind, key)
        assert run is not None
        return run, created

    async def by_key(self, kind: str, key: str) -> FlowRun | None:
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).by_key(kind, key)

    async def get(self, run_id: int) -> FlowRun | None:
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).get(run_id)

    async def claim(self, run_id: int) -> FlowRun | None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = FlowRunRepository(session)
            judge = self.liveness.judges_others
            if not await repository.claim(run_id, self.owner, now, now + self._lease, judge_liveness=judge):
                return None
            return await repository.get(run_id)

    async def renew(self, run_id: int) -> bool:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).renew(run_id, self.owner, now, now + self._lease)

    async def record(self, run_id: int, state: dict[str, Any] | None, step: str | None = None) -> None:
        """Store the run's whole `state` (None: as it is; and mark `step` done) in one commit, or raise
        LeaseLost. Whole, not merged: a run upgraded from an older release drops the names it had."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = FlowRunRepository(session)
            if not await repository.record(run_id, self.owner, state, step, now, now + self._lease):
                raise LeaseLost(run_id)

    async def note_failure(self, run_id: int, error: str, error_id: str) -> int:
        """Count a failed attempt; returns the attempts so far."""
        async with self._sessions.begin() as session:
            repository = FlowRunRepository(session)
            attempts = await repository.note_failure(run_id, self.owner, error, error_id, self._clock.now())
            if attempts is None:
                raise LeaseLost(run_id)
            return attempts

    async def finish(self, run_id: int, status: RunStatus) -> FlowRun:
        async with self._sessions.begin() as session:
            run = await FlowRunRepository(session).finish(run_id, self.owner, status, self._clock.now())
            if run is None:
                raise LeaseLost(run_id)
            return run

    async def release(self, run_id: int) -> None:
        """Give the lease back (graceful shutdown) so the next process resumes without waiting it out."""
        async with self._sessions.begin() as session:
            await FlowRunRepository(session).release(run_id, self.owner)

    async def resumable(self, limit: int = 100) -> list[int]:
        """Runs nobody works on: unheld, lapsed, or (when liveness can judge) held by a dead process."""
        judge = self.liveness.judges_others
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).resumable(self._clock.now(), limit, judge_liveness=judge)

    async def take_over_leases(self) -> int:
        """At start-up of a sole replica (SQLite): every lease another owner holds is a dead process's,
        so hand them all back for this process to resume now instead of after they lapse."""
        if not self.liveness.sole_replica:
            return 0
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).release_all_but(self.owner)

    async def reopen_failed(self, run_id: int) -> FlowRun | None:
        """Put a failed run back to running with fresh attempts (the Retry button); None if not failed."""
        async with self._sessions.begin() as session:
            return await FlowRunRepository(session).reopen_failed(run_id, self._clock.now())
