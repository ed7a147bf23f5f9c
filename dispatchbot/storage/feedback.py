"""Incident feedback (one answer per person and incident) and on-call shift feedback requests.
Flush, never commit: services own transactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from dispatchbot.domain import Feedback, ShiftRequest
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import FeedbackRow, ShiftFeedbackRow


class FeedbackRepository(Repository):
    async def get(self, incident_id: int, user_id: str) -> Feedback | None:
        row = await self._session.scalar(
            select(FeedbackRow).where(FeedbackRow.incident_id == incident_id, FeedbackRow.user_id == user_id)
        )
        return _feedback(row) if row is not None else None

    async def save(
        self, incident_id: int, user_id: str, *, rating: str, text: str, anonymous: bool, now: datetime
    ) -> Feedback:
        """Insert the person's answer, or replace the one they gave before."""
        answer = {"rating": rating, "text": text, "anonymous": anonymous, "updated_at": now}
        key = (FeedbackRow.incident_id == incident_id, FeedbackRow.user_id == user_id)
        values = {"incident_id": incident_id, "user_id": user_id, "created_at": now, **answer}
        if not await insert_if_absent(self._session, FeedbackRow.__table__, values):
            await self._session.execute(update(FeedbackRow).where(*key).values(**answer))
        row = await self._session.scalar(select(FeedbackRow).where(*key))
        assert row is not None  # inserted or updated just above, in this transaction
        return _feedback(row)

    async def answered(self, incident_id: int) -> set[str]:
        """Who gave feedback on the incident."""
        found = await self._session.scalars(
            select(FeedbackRow.user_id).where(FeedbackRow.incident_id == incident_id)
        )
        return set(found)

    async def updated_between(self, since: datetime, until: datetime) -> list[Feedback]:
        """Answers given or changed in [since, until), oldest first."""
        rows = await self._session.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.updated_at >= since, FeedbackRow.updated_at < until)
            .order_by(FeedbackRow.updated_at, FeedbackRow.id)
        )
        return [_feedback(row) for row in rows]


class ShiftFeedbackRepository(Repository):
    """Shift feedback requests: the row exists from the moment we ask, so inserting it is the claim."""

    async def add_if_absent(
        self, service: str, user_id: str, start: datetime, end: datetime, now: datetime
    ) -> ShiftRequest | None:
        """The new request for this shift; None when the shift was asked about already."""
        values = {
            "service": service,
            "user_id": user_id,
            "shift_start": start,
            "shift_end": end,
            "requested_at": now,
            "text": "",
            "anonymous": False,
        }
        if not await insert_if_absent(self._session, ShiftFeedbackRow.__table__, values):
            return None
        row = await self._session.scalar(
            select(ShiftFeedbackRow).where(
                ShiftFeedbackRow.service == service,
                ShiftFeedbackRow.user_id == user_id,
                ShiftFeedbackRow.shift_end == end,
            )
        )
        assert row is not None  # inserted just above, in this transaction
        return _shift(row)

    async def remove(self, request_id: int) -> None:
        await self._session.execute(delete(ShiftFeedbackRow).where(ShiftFeedbackRow.id == request_id))

    async def get(self, request_id: int) -> ShiftRequest | None:
        row = await self._session.get(ShiftFeedbackRow, request_id)
        return _shift(row) if row is not None else None

    async def unanswered(self, requested_before: datetime) -> list[ShiftRequest]:
        """Requests neither answered nor reminded, made before `requested_before`, oldest first."""
        rows = await self._session.scalars(
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
        """One conditional UPDATE: True only when it found the reminder still unsent (and unanswered)."""
        result = await self._session.execute(
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
        await self._session.execute(
            update(ShiftFeedbackRow).where(ShiftFeedbackRow.id == request_id).values(reminded_at=None)
        )

    async def submit(
        self, request_id: int, *, effort: str, hours: float, text: str, anonymous: bool, now: datetime
    ) -> ShiftRequest | None:
        """Store (or replace) the answer; None when the request is gone."""
        row = await self._session.get(ShiftFeedbackRow, request_id, with_for_update=True)
        if row is None:
            return None
        row.effort, row.hours, row.text, row.anonymous = effort, hours, text, anonymous
        row.submitted_at = now
        await self._session.flush()
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
