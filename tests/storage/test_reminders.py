"""Reminder rows: armed, claimed by one replica at a time, re-armed or finished; nothing lost on restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from dispatchbot.domain import ReminderKind
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.reminders import Outcome, ReminderService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock
from tests.support.drafts import DRAFT

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KIND = ReminderKind.TACTICAL_REPORT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def incident(database: Database, clock: ManualClock) -> int:
    """The id of an incident the reminders are about."""
    return (await IncidentService(database.sessions, clock).create("k", DRAFT, "U1", {})).id


def replicas(database: Database, clock: ManualClock, *names: str) -> list[ReminderService]:
    """One reminder service a name, as each bot replica has its own, sharing the database."""
    return [ReminderService(database.sessions, clock, name) for name in names]


async def test_due_reminders_are_claimed_once_and_rearmed(
    database: Database, clock: ManualClock, incident: int
) -> None:
    one, two = replicas(database, clock, "one", "two")
    await one.schedule(KIND, incident, "report", "U1", T0 + timedelta(minutes=5))
    assert await one.claim_due() == []
    clock.advance(minutes=6)
    first, second = await asyncio.gather(one.claim_due(), two.claim_due())
    assert len(first) + len(second) == 1
    winner = one if first else two
    claimed = (first or second)[0]
    await winner.finish([Outcome(claimed.id, clock.now() + timedelta(hours=1))])
    assert await one.claim_due() == []
    rearmed = await one.get(KIND, incident, "report")
    assert rearmed is not None
    assert rearmed.due_at == clock.now() + timedelta(hours=1)
    assert rearmed.sent_count == 1


async def test_a_claim_that_is_never_finished_expires(
    database: Database, clock: ManualClock, incident: int
) -> None:
    crashed, survivor = replicas(database, clock, "a", "b")
    await crashed.schedule(KIND, incident, "report", "U1", T0)
    assert len(await crashed.claim_due()) == 1  # then the process dies
    assert await survivor.claim_due() == []
    clock.advance(minutes=3)
    assert len(await survivor.claim_due()) == 1


async def test_schedule_moves_snooze_delays_cancel_stops(
    database: Database, clock: ManualClock, incident: int
) -> None:
    [reminders] = replicas(database, clock, "one")
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
    clock.advance(days=1)
    assert await reminders.claim_due() == []
