"""Reminders are rows: scheduled with `due_at`, claimed atomically when due, re-armed or finished.

Nothing lives in memory, so a restart loses nothing; a claim has an expiry, so a replica that dies
mid-send hands its reminders to the next tick; claiming is one set-based statement and finishing a
batch is one bulk update, so a tick over ten thousand incidents costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Reminder, ReminderKind
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import ReminderRow

CLAIM_SECONDS = 120.0


@dataclass(frozen=True)
class Outcome:
    """What became of a sent reminder: due again at `next_due_at`, or done (None)."""

    reminder_id: int
    next_due_at: datetime | None


class ReminderService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, owner: str) -> None:
        self._sessions = sessions
        self._clock = clock
        self._owner = owner

    async def schedule(
        self, kind: ReminderKind, incident_id: int, subject: str, recipient: str, due_at: datetime
    ) -> None:
        """Arm (or re-arm) the one reminder for (kind, incident, subject): writing a report moves it."""
        async with self._sessions.begin() as session:
            values = {
                "kind": kind.value,
                "incident_id": incident_id,
                "subject": subject,
                "recipient": recipient,
                "due_at": due_at,
                "sent_count": 0,
            }
            if not await insert_if_absent(session, ReminderRow.__table__, values):  # type: ignore[arg-type]
                await session.execute(
                    update(ReminderRow)
                    .where(_key(kind, incident_id, subject))
                    .values(recipient=recipient, due_at=due_at, claimed_by=None, claimed_until=None)
                )

    async def cancel(
        self, incident_id: int, kinds: Iterable[ReminderKind], subject: str | None = None
    ) -> None:
        """Stop reminders (e.g. all report reminders when an incident becomes stable)."""
        async with self._sessions.begin() as session:
            statement = update(ReminderRow).where(
                ReminderRow.incident_id == incident_id, ReminderRow.kind.in_([kind.value for kind in kinds])
            )
            if subject is not None:
                statement = statement.where(ReminderRow.subject == subject)
            await session.execute(statement.values(due_at=None, claimed_by=None, claimed_until=None))

    async def snooze(self, reminder_id: int, until: datetime) -> Reminder | None:
        """Move a reminder that is still armed; None when it was cancelled meanwhile."""
        async with self._sessions.begin() as session:
            row = await session.get(ReminderRow, reminder_id, with_for_update=True)
            if row is None or row.due_at is None:  # cancelled (or finished) meanwhile
                return None
            row.due_at, row.claimed_by, row.claimed_until = until, None, None
            return _to_domain(row)

    async def get(self, kind: ReminderKind, incident_id: int, subject: str) -> Reminder | None:
        async with self._sessions.begin() as session:
            row = await session.scalar(select(ReminderRow).where(_key(kind, incident_id, subject)))
            return _to_domain(row) if row is not None and row.due_at is not None else None

    async def claim_due(self, limit: int = 500) -> list[Reminder]:
        """Take up to `limit` due reminders for this process, atomically (another replica gets others)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            due = (
                select(ReminderRow.id)
                .where(
                    ReminderRow.due_at <= now,
                    or_(ReminderRow.claimed_until.is_(None), ReminderRow.claimed_until < now),
                )
                .order_by(ReminderRow.due_at)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = await session.scalars(
                update(ReminderRow)
                .where(ReminderRow.id.in_(due.scalar_subquery()))
                .values(claimed_by=self._owner, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                .returning(ReminderRow)
            )
            return sorted((_to_domain(row) for row in rows), key=lambda reminder: reminder.due_at)

    async def finish(self, outcomes: list[Outcome]) -> None:
        """Record a batch of sent reminders in one statement: re-armed for later, or done."""
        if not outcomes:
            return
        table: Table = ReminderRow.__table__  # type: ignore[assignment]
        statement = (
            update(table)
            .where(table.c.id == bindparam("reminder_id"), table.c.claimed_by == self._owner)
            .values(
                due_at=bindparam("next_due_at"),
                claimed_by=None,
                claimed_until=None,
                last_sent_at=self._clock.now(),
                sent_count=table.c.sent_count + 1,
            )
        )
        async with self._sessions.begin() as session:
            await session.execute(
                statement,
                [{"reminder_id": o.reminder_id, "next_due_at": o.next_due_at} for o in outcomes],
            )

    async def release(self, reminder_ids: list[int]) -> None:
        """Give back claims we could not act on (the next tick retries them)."""
        if not reminder_ids:
            return
        async with self._sessions.begin() as session:
            await session.execute(
                update(ReminderRow)
                .where(ReminderRow.id.in_(reminder_ids), ReminderRow.claimed_by == self._owner)
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
