"""Signal snoozes: made by people, read by the intake (the active ones, a small table), ended by a job."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from dispatchbot.alerting.snoozes import Snooze
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import SignalSnoozeRow

SNOOZES = cast(Table, SignalSnoozeRow.__table__)


class SnoozeRepository(Repository):
    async def active(self, now: datetime) -> list[Snooze]:
        rows = await self._session.execute(
            select(SNOOZES).where(SNOOZES.c.expires_at > now).order_by(SNOOZES.c.id)
        )
        return [to_snooze(dict(row._mapping)) for row in rows]

    async def add(
        self,
        signal: str,
        entities: Mapping[str, str],
        created_by: str,
        now: datetime,
        expires_at: datetime,
        case_id: int | None,
    ) -> int:
        result = await self._session.execute(
            insert(SNOOZES)
            .values(
                signal=signal,
                entities=dict(entities),
                created_by=created_by,
                created_at=now,
                expires_at=expires_at,
                case_id=case_id,
                matched=0,
                ended_said=False,
            )
            .returning(SNOOZES.c.id)
        )
        return int(result.scalar_one())

    async def count_matched(self, counts: Mapping[int, int]) -> None:
        for snooze_id, count in counts.items():
            await self._session.execute(
                update(SNOOZES).where(SNOOZES.c.id == snooze_id).values(matched=SNOOZES.c.matched + count)
            )

    async def ended_unsaid(self, now: datetime) -> list[Snooze]:
        """Snoozes that ended and whose end was not said yet, locked until the transaction ends."""
        rows = await self._session.execute(
            select(SNOOZES)
            .where(SNOOZES.c.expires_at <= now, SNOOZES.c.ended_said.is_(False))
            .order_by(SNOOZES.c.id)
            .with_for_update()
        )
        return [to_snooze(dict(row._mapping)) for row in rows]

    async def ended_said(self, snooze_id: int) -> None:
        await self._session.execute(update(SNOOZES).where(SNOOZES.c.id == snooze_id).values(ended_said=True))


def to_snooze(row: Mapping[str, Any]) -> Snooze:
    return Snooze(
        id=row["id"],
        signal=row["signal"],
        entities=dict(row["entities"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        case_id=row["case_id"],
        matched=row["matched"],
    )
