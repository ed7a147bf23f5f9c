"""Flow-run rows: every write that matters is fenced by the lease owner, so a replica that lost
its lease can never record a step over the one that took the run from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import FlowRun, RunStatus
from dispatchbot.storage.inserts import insert_if_absent
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
        return await insert_if_absent(self._session, FlowRunRow.__table__, values)  # type: ignore[arg-type]

    async def by_key(self, kind: str, key: str) -> FlowRun | None:
        row = await self._session.scalar(
            select(FlowRunRow).where(FlowRunRow.kind == kind, FlowRunRow.key == key)
        )
        return to_domain(row) if row else None

    async def get(self, run_id: int) -> FlowRun | None:
        row = await self._session.get(FlowRunRow, run_id)
        return to_domain(row) if row else None

    async def claim(self, run_id: int, owner: str, now: datetime, until: datetime) -> bool:
        """Take the lease when nobody holds it or it lapsed; atomic, so two replicas cannot both win."""
        result = await self._session.execute(
            update(FlowRunRow)
            .where(
                FlowRunRow.id == run_id,
                FlowRunRow.status == RunStatus.RUNNING.value,
                or_(FlowRunRow.lease_owner.is_(None), FlowRunRow.lease_until < now),
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

    async def held(self, run_id: int, owner: str) -> FlowRunRow | None:
        """The row, locked for update where the backend supports it, only while `owner` holds the lease."""
        return await self._session.scalar(
            select(FlowRunRow)
            .where(FlowRunRow.id == run_id, FlowRunRow.lease_owner == owner)
            .with_for_update()
        )

    async def resumable(self, now: datetime, limit: int) -> list[int]:
        rows = await self._session.scalars(
            select(FlowRunRow.id)
            .where(
                FlowRunRow.status == RunStatus.RUNNING.value,
                or_(FlowRunRow.lease_owner.is_(None), FlowRunRow.lease_until < now),
            )
            .order_by(FlowRunRow.id)
            .limit(limit)
        )
        return list(rows)


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
