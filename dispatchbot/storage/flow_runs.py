"""Flow-run rows: every write that matters is fenced by the lease owner, so a replica that lost
its lease can never record a step over the one that took the run from it.

A run is free to take when nobody holds it, its lease lapsed, or (`judge_liveness`, PostgreSQL) its
holder's process is gone (see `storage/liveness.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import FlowRun, RunStatus
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.liveness import owner_gone
from dispatchbot.storage.tables import FlowRunRow


class FlowRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_if_absent(self, kind: str, key: str, args: dict[str, Any], now: datetime) -> bool:
        values = {
            "kind": kind,
            "key": key,
            "args": args,
            "state": {},
            "completed_steps": [],
            "status": RunStatus.RUNNING.value,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        return await insert_if_absent(self._session, FlowRunRow.__table__, values)

    async def by_key(self, kind: str, key: str) -> FlowRun | None:
        row = await self._session.scalar(
            select(FlowRunRow).where(FlowRunRow.kind == kind, FlowRunRow.key == key)
        )
        return to_domain(row) if row else None

    async def get(self, run_id: int) -> FlowRun | None:
        row = await self._session.get(FlowRunRow, run_id)
        return to_domain(row) if row else None

    async def claim(
        self, run_id: int, owner: str, now: datetime, until: datetime, *, judge_liveness: bool = False
    ) -> bool:
        """Take the lease when the run is free; atomic, so two replicas cannot both win."""
        result = await self._session.execute(
            update(FlowRunRow)
            .where(
                FlowRunRow.id == run_id,
                FlowRunRow.status == RunStatus.RUNNING.value,
                _free(now, judge_liveness),
            )
            .values(lease_owner=owner, lease_until=until, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def renew(self, run_id: int, owner: str, now: datetime, until: datetime) -> bool:
        result = await self._session.execute(
            update(FlowRunRow)
            .where(FlowRunRow.id == run_id, FlowRunRow.lease_owner == owner)
            .values(lease_until=until, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def record(
        self,
        run_id: int,
        owner: str,
        state: dict[str, Any] | None,
        step: str | None,
        now: datetime,
        until: datetime,
    ) -> bool:
        """Store the whole `state` (None: keep it), mark `step` done and extend the lease to `until`;
        False (nothing written) when `owner` no longer holds the lease."""
        row = await self._held(run_id, owner)
        if row is None:
            return False
        if state is not None:
            row.state = state
        if step is not None and step not in row.completed_steps:
            row.completed_steps = [*row.completed_steps, step]
        row.lease_until = until
        row.updated_at = now
        await self._session.flush()
        return True

    async def note_failure(
        self, run_id: int, owner: str, error: str, error_id: str, now: datetime
    ) -> int | None:
        """Count a failed attempt; the attempts so far, or None when `owner` no longer holds the lease."""
        row = await self._held(run_id, owner)
        if row is None:
            return None
        row.attempts += 1
        row.last_error = error[:4000]
        row.error_id = error_id
        row.updated_at = now
        await self._session.flush()
        return row.attempts

    async def finish(self, run_id: int, owner: str, status: RunStatus, now: datetime) -> FlowRun | None:
        """End the run with `status` and drop its lease; None when `owner` no longer holds the lease."""
        row = await self._held(run_id, owner)
        if row is None:
            return None
        row.status = status.value
        row.finished_at = now
        row.updated_at = now
        row.lease_owner = None
        row.lease_until = None
        await self._session.flush()
        return to_domain(row)

    async def release(self, run_id: int, owner: str) -> None:
        await self._session.execute(
            update(FlowRunRow)
            .where(FlowRunRow.id == run_id, FlowRunRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )

    async def reopen_failed(self, run_id: int, now: datetime) -> FlowRun | None:
        """Put a failed run back to running, unheld, with fresh attempts; None if it had not failed."""
        result = await self._session.execute(
            update(FlowRunRow)
            .where(FlowRunRow.id == run_id, FlowRunRow.status == RunStatus.FAILED.value)
            .values(
                status=RunStatus.RUNNING.value,
                attempts=0,
                finished_at=None,
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return await self.get(run_id)

    async def resumable(self, now: datetime, limit: int, *, judge_liveness: bool = False) -> list[int]:
        """Running runs free to take: one query over the (status, lease_until) index."""
        rows = await self._session.scalars(
            select(FlowRunRow.id)
            .where(FlowRunRow.status == RunStatus.RUNNING.value, _free(now, judge_liveness))
            .order_by(FlowRunRow.id)
            .limit(limit)
        )
        return list(rows)

    async def release_all_but(self, owner: str) -> int:
        """Hand back every lease of a running run that `owner` does not hold; returns how many."""
        result = await self._session.execute(
            update(FlowRunRow)
            .where(
                FlowRunRow.status == RunStatus.RUNNING.value,
                FlowRunRow.lease_owner.is_not(None),
                FlowRunRow.lease_owner != owner,
            )
            .values(lease_owner=None, lease_until=None)
        )
        return int(getattr(result, "rowcount", 0))

    async def _held(self, run_id: int, owner: str) -> FlowRunRow | None:
        """The row, locked for update where the backend supports it, only while `owner` holds the lease."""
        return await self._session.scalar(
            select(FlowRunRow)
            .where(FlowRunRow.id == run_id, FlowRunRow.lease_owner == owner)
            .with_for_update()
        )


def _free(now: datetime, judge_liveness: bool) -> ColumnElement[bool]:
    """Nobody holds the run, its lease lapsed, or (judging liveness) its holder's process is gone."""
    conditions = [FlowRunRow.lease_owner.is_(None), FlowRunRow.lease_until < now]
    if judge_liveness:
        conditions.append(owner_gone(FlowRunRow.lease_owner))
    return or_(*conditions)


def to_domain(row: FlowRunRow) -> FlowRun:
    return FlowRun(
        id=row.id,
        kind=row.kind,
        key=row.key,
        args=dict(row.args),
        state=dict(row.state),
        completed_steps=tuple(row.completed_steps),
        status=RunStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        error_id=row.error_id,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
