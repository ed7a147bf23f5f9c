"""Reminders are rows: scheduled with `due_at`, claimed atomically when due, re-armed or finished.

Nothing lives in memory, so a restart loses nothing; a claim has an expiry, so a replica that dies
mid-send hands its reminders to the next tick; claiming is one set-based statement and finishing a
batch is one bulk update, so a tick over ten thousand incidents costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Reminder, ReminderKind
from dispatchbot.storage.reminders import ReminderRepository

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
            await ReminderRepository(session).arm(kind, incident_id, subject, recipient, due_at)

    async def cancel(
        self, incident_id: int, kinds: Iterable[ReminderKind], subject: str | None = None
    ) -> None:
        """Stop reminders (e.g. all report reminders when an incident becomes stable)."""
        async with self._sessions.begin() as session:
            await ReminderRepository(session).disarm(incident_id, kinds, subject)

    async def snooze(self, reminder_id: int, until: datetime) -> Reminder | None:
        """Move a reminder that is still armed; None when it was cancelled meanwhile."""
        async with self._sessions.begin() as session:
            return await ReminderRepository(session).move_armed(reminder_id, until)

    async def get(self, kind: ReminderKind, incident_id: int, subject: str) -> Reminder | None:
        async with self._sessions.begin() as session:
            return await ReminderRepository(session).armed(kind, incident_id, subject)

    async def claim_due(self, limit: int = 500) -> list[Reminder]:
        """Take up to `limit` due reminders for this process, atomically (another replica gets others)."""
        now = self._clock.now()
        until = now + timedelta(seconds=CLAIM_SECONDS)
        async with self._sessions.begin() as session:
            return await ReminderRepository(session).claim_due(self._owner, now, until, limit)

    async def finish(self, outcomes: list[Outcome]) -> None:
        """Record a batch of sent reminders in one statement: re-armed for later, or done."""
        if not outcomes:
            return
        next_due = [(outcome.reminder_id, outcome.next_due_at) for outcome in outcomes]
        async with self._sessions.begin() as session:
            await ReminderRepository(session).finish(self._owner, next_due, self._clock.now())

    async def release(self, reminder_ids: list[int]) -> None:
        """Give back claims we could not act on (the next tick retries them)."""
        if not reminder_ids:
            return
        async with self._sessions.begin() as session:
            await ReminderRepository(session).release(self._owner, reminder_ids)
