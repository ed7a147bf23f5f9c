"""Reminder rows: armed, claimed by one replica at a time, re-armed or finished; nothing lost on restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from dispatchbot.domain import IncidentDraft, ReminderKind, Visibility
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.reminders import Outcome, ReminderService
from dispatchbot.storage.engine import Database

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KIND = ReminderKind.TACTICAL_REPORT


class Clock:
    def __init__(self) -> None:
        self.current = T0

    def now(self) -> datetime:
        return self.current


async def _incident(database: Database, clock: Clock, key: str = "k") -> int:
    draft = IncidentDraft("Disk full", "", "Default", "Low", "Low", Visibility.OPEN)
    return (await IncidentService(database.sessions, clock).create(key, draft, "U1", {})).id


async def test_due_reminders_are_claimed_once_and_rearmed(database: Database) -> None:
    clock = Clock()
    incident = await _incident(database, clock)
    one, two = (
        ReminderService(database.sessions, clock, "one"),
        ReminderService(database.sessions, clock, "two"),
    )
    await one.schedule(KIND, incident, "report", "U1", T0 + timedelta(minutes=5))
    assert await one.claim_due() == []
    clock.current += timedelta(minutes=6)
    first, second = await asyncio.gather(one.claim_due(), two.claim_due())
    assert len(first) + len(second) == 1
    winner = one if first else two
    claimed = (first or second)[0]
    await winner.finish([Outcome(claimed.id, clock.current + timedelta(hours=1))])
    assert await one.claim_due() == []
    rearmed = await one.get(KIND, incident, "report")
    assert rearmed is not None
    assert rearmed.due_at == clock.current + timedelta(hours=1)
    assert rearmed.sent_count == 1


async def test_a_claim_that_is_never_finished_expires(database: Database) -> None:
    clock = Clock()
    incident = await _incident(database, clock)
    crashed, survivor = (
        ReminderService(database.sessions, clock, "a"),
        ReminderService(database.sessions, clock, "b"),
    )
    await crashed.schedule(KIND, incident, "report", "U1", T0)
    assert len(await crashed.claim_due()) == 1  # then the process dies
    assert await survivor.claim_due() == []
    clock.current += timedelta(minutes=3)
    assert len(await survivor.claim_due()) == 1


async def test_schedule_moves_snooze_delays_cancel_stops(database: Database) -> None:
    clock = Clock()
    incident = await _incident(database, clock)
    reminders = ReminderService(database.sessions, clock, "one")
    await reminders.schedule(KIND, incident, "report", "U1", T0 + timedelta(hours=1))
    await reminders.schedule(KIND, incident, "report", "U2", T0 + timedelta(hours=2))  # a report was written
    current = await reminders.get(KIND, incident, "report")
    assert current is not None
    assert (current.recipient, current.due_at) == ("U2", T0 + timedelta(hours=2))
    snoozed = await reminders.snooze(current.id, T0 + timedelta(hours=3))
    assert snoozed is not None
    assert snoozed.due_at == T0 + timedelta(hours=3)
    await reminders.cancel(incident, [KIND])
    assert await reminders.get(KIND, incident, "report") is None
    assert await reminders.snooze(current.id, T0 + timedelta(hours=4)) is None
    clock.current += timedelta(days=1)
    assert await reminders.claim_due() == []
