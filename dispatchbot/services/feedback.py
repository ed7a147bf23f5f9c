"""Incident and on-call shift feedback: one answer per person, a second submission updates it.

Shift feedback rows double as the "asked" ledger: the row is inserted when we ask, and the unique
(service, person, shift end) key makes the insert the claim, so whichever tick or replica inserts it
is the one that sends the DM. The reminder is claimed the same way, by one conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.errors import NotFound
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import FeedbackRow, ShiftFeedbackRow


@dataclass(frozen=True)
class Feedback:
    """A participant's answer about a closed incident; `rating` is a rating value from the form."""

    incident_id: int
    user_id: str
    rating: str
    text: str
    anonymous: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ShiftRequest:
    """Feedback asked of someone after an on-call shift; the answer fields are empty until submitted."""

    id: int
    service: str
    user_id: str
    shift_start: datetime
    shift_end: datetime
    requested_at: datetime
    reminded_at: datetime | None
    submitted_at: datetime | None
    effort: str | None
    hours: float | None
    text: str
    anonymous: bool


class FeedbackService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # ------------------------------------------------------------------ incident feedback

    async def get(self, incident_id: int, user_id: str) -> Feedback | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(FeedbackRow).where(
                    FeedbackRow.incident_id == incident_id, FeedbackRow.user_id == user_id
                )
            )
            return _feedback(row) if row is not None else None

    async def save(
        self, incident_id: int, user_id: str, *, rating: str, text: str, anonymous: bool
    ) -> Feedback:
        """Store the answer; a second submission replaces the first (one row per person and incident)."""
        now = self._clock.now()
        answer = {"rating": rating, "text": text, "anonymous": anonymous, "updated_at": now}
        key = (FeedbackRow.incident_id == incident_id, FeedbackRow.user_id == user_id)
        async with self._sessions.begin() as session:
            values = {"incident_id": incident_id, "user_id": user_id, "created_at": now, **answer}
            if not await insert_if_absent(session, FeedbackRow.__table__, values):  # type: ignore[arg-type]
                await session.execute(update(FeedbackRow).where(*key).values(**answer))
            row = await session.scalar(select(FeedbackRow).where(*key))
            assert row is not None  # inserted or updated just above, in this transaction
            return _feedback(row)

    async def answered(self, incident_id: int) -> set[str]:
        """Who already gave feedback on the incident (a second close does not ask them again)."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(FeedbackRow.user_id).where(FeedbackRow.incident_id == incident_id)
            )
            return set(found)

    async def updated_between(self, since: datetime, until: datetime) -> list[Feedback]:
        """Answers given or changed in [since, until), oldest first: one digest's worth."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FeedbackRow)
                .where(FeedbackRow.updated_at >= since, FeedbackRow.updated_at < until)
                .order_by(FeedbackRow.updated_at, FeedbackRow.id)
            )
            return [_feedback(row) for row in rows]

    # ------------------------------------------------------------------ on-call shift feedback

    async def request_shift(
        self, service: str, user_id: str, start: datetime, end: datetime, now: datetime
    ) -> ShiftRequest | None:
        """Record that we ask about this shift; None when it was asked already (by us or another replica)."""
        values = {
            "service": service,
            "user_id": user_id,
            "shift_start": start,
            "shift_end": end,
            "requested_at": now,
            "text": "",
            "anonymous": False,
        }
        async with self._sessions.begin() as session:
            if not await insert_if_absent(session, ShiftFeedbackRow.__table__, values):  # type: ignore[arg-type]
                return None
            row = await session.scalar(
                select(ShiftFeedbackRow).where(
                    ShiftFeedbackRow.service == service,
                    ShiftFeedbackRow.user_id == user_id,
                    ShiftFeedbackRow.shift_end == end,
                )
            )
            assert row is not None  # inserted just above, in this transaction
            return _shift(row)

    async def withdraw_request(self, request_id: int) -> None:
        """Forget an ask whose DM could not be sent, so the next tick asks again."""
        async with self._sessions.begin() as session:
            await session.execute(delete(ShiftFeedbackRow).where(ShiftFeedbackRow.id == request_id))

    async def shift_request(self, request_id: int) -> ShiftRequest:
        async with self._sessions() as session:
            row = await session.get(ShiftFeedbackRow, request_id)
            if row is None:
                raise NotFound("That shift feedback request does not exist any more.")
            return _shift(row)

    async def unanswered(self, requested_before: datetime) -> list[ShiftRequest]:
        """Asks not answered nor reminded yet, made before `requested_before`: reminder candidates."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ShiftFeedbackRow)
                .where(
                    ShiftFeedbackRow.submitted_at.is_(None),
                    ShiftFeedbackRow.reminded_at.is_(None),
                    ShiftFeedbackRow.requested_at <= requested_before,
                )
                .order_by(ShiftFeedbackRow.id)
            )
            return [_shift(row) for row in rows]

    async def claim_reminder(self, request_id: int, now: datetime) -> bool:
        """True for exactly one caller: the one whose UPDATE found the reminder still unsent."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ShiftFeedbackRow)
                .where(
                    ShiftFeedbackRow.id == request_id,
                    ShiftFeedbackRow.reminded_at.is_(None),
                    ShiftFeedbackRow.submitted_at.is_(None),
                )
                .values(reminded_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def release_reminder(self, request_id: int) -> None:
        """Give the reminder claim back after its DM failed, so the next tick tries again."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ShiftFeedbackRow).where(ShiftFeedbackRow.id == request_id).values(reminded_at=None)
            )

    async def submit_shift(
        self, request_id: int, *, effort: str, hours: float, text: str, anonymous: bool
    ) -> ShiftRequest:
        """Store (or replace) the answer to a shift feedback request."""
        async with self._sessions.begin() as session:
            row = await session.get(ShiftFeedbackRow, request_id, with_for_update=True)
            if row is None:
                raise NotFound("That shift feedback request does not exist any more.")
            row.effort, row.hours, row.text, row.anonymous = effort, hours, text, anonymous
            row.submitted_at = self._clock.now()
            return _shift(row)


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        incident_id=row.incident_id,
        user_id=row.user_id,
        rating=row.rating,
        text=row.text,
        anonymous=row.anonymous,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _shift(row: ShiftFeedbackRow) -> ShiftRequest:
    return ShiftRequest(
        id=row.id,
        service=row.service,
        user_id=row.user_id,
        shift_start=row.shift_start,
        shift_end=row.shift_end,
        requested_at=row.requested_at,
        reminded_at=row.reminded_at,
        submitted_at=row.submitted_at,
        effort=row.effort,
        hours=row.hours,
        text=row.text,
        anonymous=row.anonymous,
    )
