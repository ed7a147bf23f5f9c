"""Reminder rows: armed by `due_at`, claimed by one replica until `claimed_until`, re-armed or done.

Claiming is one set-based statement and finishing a batch is one bulk update, so a tick over ten
thousand incidents costs a handful of queries. Flush, never commit: services own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import Reminder, ReminderKind
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import ReminderRow

_REMINDERS = ReminderRow.metadata.tables[ReminderRow.__tablename__]
"""The Core table, for the executemany update in `finish` (ORM bulk updates match by primary key only)."""


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def arm(
        self, kind: ReminderKind, incident_id: int, subject: str, recipient: str, due_at: datetime
    ) -> None:
        """Arm the one reminder for (kind, incident, subject), or re-arm it (a claim on it is dropped)."""
        values = {
            "kind": kind.value,
            "incident_id": incident_id,
            "subject": subject,
            "recipient": recipient,
            "due_at": due_at,
            "sent_count": 0,
        }
        if not await insert_if_absent(self._session, ReminderRow.__table__, values):
            await self._session.execute(
                update(ReminderRow)
                .where(_key(kind, incident_id, subject))
                .values(recipient=recipient, due_at=due_at, claimed_by=None, claimed_until=None)
            )

    async def disarm(self, incident_id: int, kinds: Iterable[ReminderKind], subject: str | None) -> None:
        statement = update(ReminderRow).where(
            ReminderRow.incident_id == incident_id, ReminderRow.kind.in_([kind.value for kind in kinds])
        )
        if subject is not None:
            statement = statement.where(ReminderRow.subject == subject)
        await self._session.execute(statement.values(due_at=None, claimed_by=None, claimed_until=None))

    async def move_armed(self, reminder_id: int, until: datetime) -> Reminder | None:
        """Move a reminder that is still armed (locked while read); None when cancelled or finished."""
        row = await self._session.get(ReminderRow, reminder_id, with_for_update=True)
        if row is None or row.due_at is None:
            return None
        row.due_at, row.claimed_by, row.claimed_until = until, None, None
        await self._session.flush()
        return _to_domain(row)

    async def armed(self, kind: ReminderKind, incident_id: int, subject: str) -> Reminder | None:
        row = await self._session.scalar(select(ReminderRow).where(_key(kind, incident_id, subject)))
        return _to_domain(row) if row is not None and row.due_at is not None else None

    async def claim_due(self, owner: str, now: datetime, until: datetime, limit: int) -> list[Reminder]:
        """Take up to `limit` reminders due at `now` for `owner` until `until`, in one statement
        (PostgreSQL skips rows another replica is claiming), earliest due first."""
        due = (
            select(ReminderRow.id)
            .where(
                ReminderRow.due_at <= now,
                or_(ReminderRow.claimed_until.is_(None), ReminderRow.claimed_until < now),
            )
            .order_by(ReminderRow.due_at)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = await self._session.scalars(
            update(ReminderRow)
            .where(ReminderRow.id.in_(due.scalar_subquery()))
            .values(claimed_by=owner, claimed_until=until)
            .returning(ReminderRow)
        )
        return sorted((_to_domain(row) for row in rows), key=lambda reminder: reminder.due_at)

    async def finish(
        self, owner: str, next_due: list[tuple[int, datetime | None]], sent_at: datetime
    ) -> None:
        """Record sent reminders still claimed by `owner` in one statement: each (id, next due time)
        re-armed then, or done (None)."""
        statement = (
            update(_REMINDERS)
            .where(_REMINDERS.c.id == bindparam("reminder_id"), _REMINDERS.c.claimed_by == owner)
            .values(
                due_at=bindparam("next_due_at"),
                claimed_by=None,
                claimed_until=None,
                last_sent_at=sent_at,
                sent_count=_REMINDERS.c.sent_count + 1,
            )
        )
        await self._session.execute(
            statement, [{"reminder_id": key, "next_due_at": due} for key, due in next_due]
        )

    async def release(self, owner: str, reminder_ids: list[int]) -> None:
        await self._session.execute(
            update(ReminderRow)
            .where(ReminderRow.id.in_(reminder_ids), ReminderRow.claimed_by == owner)
            .values(claimed_by=None, claimed_until=None)
        )


def _key(kind: ReminderKind, incident_id: int, subject: str) -> ColumnElement[bool]:
    return and_(
        ReminderRow.kind == kind.value, ReminderRow.incident_id == incident_id, ReminderRow.subject == subject
    )


def _to_domain(row: ReminderRow) -> Reminder:
    assert row.due_at is not None
    return Reminder(
        id=row.id,
        kind=ReminderKind(row.kind),
        incident_id=row.incident_id,
        subject=row.subject,
        recipient=row.recipient,
        due_at=row.due_at,
        sent_count=row.sent_count,
        last_sent_at=row.last_sent_at,
    )
