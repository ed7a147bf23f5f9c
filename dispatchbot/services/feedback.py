"""Incident and on-call shift feedback: one answer per person, a second submission updates it.

Shift feedback rows double as the "asked" ledger: the row is inserted when we ask, and the unique
(service, person, shift end) key makes the insert the claim, so whichever tick or replica inserts it
is the one that sends the DM. The reminder is claimed the same way, by one conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Feedback, ShiftRequest
from dispatchbot.errors import NotFound
from dispatchbot.storage.feedback import FeedbackRepository, ShiftFeedbackRepository

GONE = "That shift feedback request does not exist any more."


class FeedbackService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # ------------------------------------------------------------------ incident feedback

    async def get(self, incident_id: int, user_id: str) -> Feedback | None:
        async with self._sessions() as session:
            return await FeedbackRepository(session).get(incident_id, user_id)

    async def save(
        self, incident_id: int, user_id: str, *, rating: str, text: str, anonymous: bool
    ) -> Feedback:
        """Store the answer; a second submission replaces the first (one row per person and incident)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            return await FeedbackRepository(session).save(
                incident_id, user_id, rating=rating, text=text, anonymous=anonymous, now=now
            )

    async def answered(self, incident_id: int) -> set[str]:
        """Who already gave feedback on the incident (a second close does not ask them again)."""
        async with self._sessions() as session:
            return await FeedbackRepository(session).answered(incident_id)

    async def updated_between(self, since: datetime, until: datetime) -> list[Feedback]:
        """Answers given or changed in [since, until), oldest first: one digest's worth."""
        async with self._sessions() as session:
            return await FeedbackRepository(session).updated_between(since, until)

    # ------------------------------------------------------------------ on-call shift feedback

    async def request_shift(
        self, service: str, user_id: str, start: datetime, end: datetime, now: datetime
    ) -> ShiftRequest | None:
        """Record that we ask about this shift; None when it was asked already (by us or another replica)."""
        async with self._sessions.begin() as session:
            return await ShiftFeedbackRepository(session).add_if_absent(service, user_id, start, end, now)

    async def withdraw_request(self, request_id: int) -> None:
        """Forget an ask whose DM could not be sent, so the next tick asks again."""
        async with self._sessions.begin() as session:
            await ShiftFeedbackRepository(session).remove(request_id)

    async def shift_request(self, request_id: int) -> ShiftRequest:
        async with self._sessions() as session:
            request = await ShiftFeedbackRepository(session).get(request_id)
        if request is None:
            raise NotFound(GONE)
        return request

    async def unanswered(self, requested_before: datetime) -> list[ShiftRequest]:
        """Asks not answered nor reminded yet, made before `requested_before`: reminder candidates."""
        async with self._sessions() as session:
            return await ShiftFeedbackRepository(session).unanswered(requested_before)

    async def claim_reminder(self, request_id: int, now: datetime) -> bool:
        """True for exactly one caller: the one whose UPDATE found the reminder still unsent."""
        async with self._sessions.begin() as session:
            return await ShiftFeedbackRepository(session).claim_reminder(request_id, now)

    async def release_reminder(self, request_id: int) -> None:
        """Give the reminder claim back after its DM failed, so the next tick tries again."""
        async with self._sessions.begin() as session:
            await ShiftFeedbackRepository(session).release_reminder(request_id)

    async def submit_shift(
        self, request_id: int, *, effort: str, hours: float, text: str, anonymous: bool
    ) -> ShiftRequest:
        """Store (or replace) the answer to a shift feedback request."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            request = await ShiftFeedbackRepository(session).submit(
                request_id, effort=effort, hours=hours, text=text, anonymous=anonymous, now=now
            )
            if request is None:
                raise NotFound(GONE)
            return request
