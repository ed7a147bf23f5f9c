"""Feedback rules: one answer per person and incident (a second submission updates it), and shift
feedback asked, reminded and answered once whichever replica ticks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from dispatchbot.domain import Incident, ShiftRequest
from dispatchbot.errors import NotFound
from dispatchbot.services.feedback import FeedbackService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock


@pytest.fixture
def feedback(database: Database, clock: ManualClock) -> FeedbackService:
    return FeedbackService(database.sessions, clock)


async def ask_about_last_shift(feedback: FeedbackService, clock: ManualClock) -> ShiftRequest:
    """Ask U2 about the twelve-hour Database shift that ended just now."""
    end = clock.now()
    asked = await feedback.request_shift("Database", "U2", end - timedelta(hours=12), end, clock.now())
    assert asked is not None
    return asked


async def test_a_second_submission_updates_the_first(
    feedback: FeedbackService, clock: ManualClock, incident: Incident
) -> None:
    first = await feedback.save(incident.id, "U2", rating="good", text="calm", anonymous=False)
    clock.advance(hours=1)
    second = await feedback.save(incident.id, "U2", rating="poor", text="", anonymous=True)
    assert (second.rating, second.text, second.anonymous) == ("poor", "", True)
    assert (second.created_at, second.updated_at) == (first.created_at, clock.now())
    assert await feedback.get(incident.id, "U2") == second
    assert await feedback.answered(incident.id) == {"U2"}
    assert await feedback.get(incident.id, "U3") is None


async def test_a_digest_lists_answers_by_when_they_last_changed(
    feedback: FeedbackService, clock: ManualClock, incident: Incident
) -> None:
    start = clock.now()
    await feedback.save(incident.id, "U2", rating="good", text="", anonymous=False)
    clock.advance(days=1)
    await feedback.save(incident.id, "U3", rating="good", text="", anonymous=False)
    await feedback.save(incident.id, "U2", rating="poor", text="changed my mind", anonymous=False)
    first_day = await feedback.updated_between(start, start + timedelta(days=1))
    assert first_day == []  # U2's answer moved to the day it last changed
    second_day = await feedback.updated_between(start + timedelta(days=1), start + timedelta(days=2))
    assert sorted(answer.user_id for answer in second_day) == ["U2", "U3"]


async def test_a_shift_is_asked_about_once_whichever_replica_ticks(
    feedback: FeedbackService, clock: ManualClock
) -> None:
    end = clock.now()
    start = end - timedelta(hours=12)
    asks = await asyncio.gather(
        *(feedback.request_shift("Database", "U2", start, end, clock.now()) for _ in range(4))
    )
    [asked] = [ask for ask in asks if ask is not None]
    assert (asked.service, asked.user_id, asked.shift_end) == ("Database", "U2", end)
    await feedback.withdraw_request(asked.id)  # the DM could not be sent
    with pytest.raises(NotFound):
        await feedback.shift_request(asked.id)
    assert await feedback.request_shift("Database", "U2", start, end, clock.now()) is not None  # asked again


async def test_a_shift_reminder_is_claimed_once_and_not_after_an_answer(
    feedback: FeedbackService, clock: ManualClock
) -> None:
    asked = await ask_about_last_shift(feedback, clock)
    clock.advance(days=1)
    assert [request.id for request in await feedback.unanswered(clock.now())] == [asked.id]
    claims = await asyncio.gather(*(feedback.claim_reminder(asked.id, clock.now()) for _ in range(4)))
    assert claims.count(True) == 1
    assert await feedback.unanswered(clock.now()) == []
    await feedback.release_reminder(asked.id)  # the reminder DM failed
    answered = await feedback.submit_shift(asked.id, effort="high", hours=3.5, text="", anonymous=False)
    assert (answered.effort, answered.hours, answered.submitted_at) == ("high", 3.5, clock.now())
    assert not await feedback.claim_reminder(asked.id, clock.now())
    assert await feedback.unanswered(clock.now()) == []


async def test_a_second_shift_answer_replaces_the_first(
    feedback: FeedbackService, clock: ManualClock
) -> None:
    asked = await ask_about_last_shift(feedback, clock)
    await feedback.submit_shift(asked.id, effort="high", hours=3.5, text="rough", anonymous=False)
    second = await feedback.submit_shift(asked.id, effort="low", hours=1.0, text="", anonymous=True)
    assert (second.effort, second.hours, second.text, second.anonymous) == ("low", 1.0, "", True)
    assert await feedback.shift_request(asked.id) == second
    with pytest.raises(NotFound):
        await feedback.submit_shift(asked.id + 1, effort="low", hours=1.0, text="", anonymous=True)
