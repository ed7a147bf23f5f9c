"""Incident and timeline rows. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    and_,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import Incident, Status, TimelineEvent, Visibility
from dispatchbot.mrkdwn import Mrkdwn, trusted
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import IncidentRow, ParticipantRow, TimelineEventRow


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_if_absent(self, values: dict[str, Any]) -> Incident:
        """Insert by `creation_key` unless a crash-and-retry already did; return the stored incident."""
        await insert_if_absent(self._session, IncidentRow.__table__, values)
        row = await self._session.scalar(
            select(IncidentRow).where(IncidentRow.creation_key == values["creation_key"])
        )
        assert row is not None
        return incident_from_row(row)

    async def get(self, incident_id: int) -> Incident | None:
        row = await self._session.scalar(select(IncidentRow).where(IncidentRow.id == incident_id))
        return incident_from_row(row) if row else None

    async def locked(self, incident_id: int) -> Incident | None:
        """The incident, its row locked (PostgreSQL) until the transaction ends, for a read-then-write."""
        row = await self._session.scalar(
            select(IncidentRow).where(IncidentRow.id == incident_id).with_for_update()
        )
        return incident_from_row(row) if row else None

    async def set_fields(self, incident_id: int, values: dict[str, Any]) -> Incident:
        """Write these columns (plain values: enums by their value) and return the incident as it is now.

        Read it with `locked` first in the same transaction when the values depend on what it was.
        """
        row = await self._session.get(IncidentRow, incident_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        await self._session.flush()
        return incident_from_row(row)

    async def many(self, incident_ids: set[int]) -> dict[int, Incident]:
        rows = await self._session.scalars(select(IncidentRow).where(IncidentRow.id.in_(incident_ids)))
        return {row.id: incident_from_row(row) for row in rows}

    async def by_channel(self, channel_id: str) -> Incident | None:
        row = await self._session.scalar(select(IncidentRow).where(IncidentRow.channel_id == channel_id))
        return incident_from_row(row) if row else None

    async def visible_to(self, user_id: str, *, closed_since: datetime, limit: int) -> list[Incident]:
        """Open incidents, and restricted ones where `user_id` is an active participant, newest first."""
        statement = (
            select(IncidentRow)
            .where(
                or_(IncidentRow.status != Status.CLOSED.value, IncidentRow.closed_at >= closed_since),
                _visible_to(user_id),
            )
            .order_by(IncidentRow.id.desc())
            .limit(limit)
        )
        return await self._incidents(statement)

    async def listing(
        self,
        user_id: str,
        *,
        closed_since: datetime,
        limit: int,
        search: str,
        open_only: bool,
        participating: bool | None,
    ) -> tuple[list[Incident], int]:
        """Like `visible_to`, narrowed, newest first, with the number that matched in all.

        `search` is a case-insensitive substring of the title, the reference (INC-n) or the type;
        `open_only` leaves out the closed; `participating` keeps only incidents where this person is
        (True) or is not (False) an active participant.
        """
        member = _incidents_of(user_id)
        conditions = [
            _visible_to(user_id),
            IncidentRow.status.in_([Status.ACTIVE.value, Status.STABLE.value])
            if open_only
            else or_(IncidentRow.status != Status.CLOSED.value, IncidentRow.closed_at >= closed_since),
        ]
        if participating is not None:
            conditions.append(IncidentRow.id.in_(member) if participating else IncidentRow.id.not_in(member))
        needle = search.strip().lower()
        if needle:
            conditions.append(_matching(needle))
        total = await self._session.scalar(select(func.count()).select_from(IncidentRow).where(*conditions))
        rows = await self._incidents(
            select(IncidentRow).where(*conditions).order_by(IncidentRow.id.desc()).limit(limit)
        )
        return rows, int(total or 0)

    async def daily_summary(self, since: datetime) -> list[Incident]:
        """Open-visibility incidents, oldest first, that are Active, entered Stable since `since` (by
        their latest status change) or closed since then."""
        entered = _status_entered_at()
        statement = (
            select(IncidentRow)
            .where(
                IncidentRow.visibility == Visibility.OPEN.value,
                or_(
                    IncidentRow.status == Status.ACTIVE.value,
                    and_(IncidentRow.status == Status.STABLE.value, entered >= since),
                    and_(IncidentRow.status == Status.CLOSED.value, IncidentRow.closed_at >= since),
                ),
            )
            .order_by(IncidentRow.id)
        )
        return await self._incidents(statement)

    async def status_entered_at(self, incident_id: int) -> datetime | None:
        """When the incident entered the status it has now; None when there is no such incident."""
        return await self._session.scalar(
            select(_status_entered_at()).select_from(IncidentRow).where(IncidentRow.id == incident_id)
        )

    async def _incidents(self, statement: Select[IncidentRow]) -> list[Incident]:
        return [incident_from_row(row) for row in await self._session.scalars(statement)]


def _incidents_of(user_id: str) -> ScalarSelect[int]:
    """The ids of the incidents where `user_id` is an active participant (a scalar subquery)."""
    return (
        select(ParticipantRow.incident_id)
        .where(ParticipantRow.user_id == user_id, ParticipantRow.active.is_(True))
        .scalar_subquery()
    )


def _visible_to(user_id: str) -> ColumnElement[bool]:
    """Open incidents, and restricted ones where `user_id` is an active participant."""
    return or_(IncidentRow.visibility == Visibility.OPEN.value, IncidentRow.id.in_(_incidents_of(user_id)))


def _matching(needle: str) -> ColumnElement[bool]:
    """`needle` (lower case) in the title, the type or the reference (INC-n)."""
    reference = literal("inc-", String) + cast(IncidentRow.id, String)
    return or_(
        func.lower(IncidentRow.title).contains(needle, autoescape=True),
        func.lower(IncidentRow.incident_type).contains(needle, autoescape=True),
        reference.contains(needle, autoescape=True),
    )


def _status_entered_at() -> ColumnElement[datetime]:
    """Per incident row: the time of its latest status change, else its creation (created Active)."""
    changed = (
        select(func.max(TimelineEventRow.occurred_at))
        .where(TimelineEventRow.incident_id == IncidentRow.id, TimelineEventRow.kind == "status_changed")
        .scalar_subquery()
    )
    return func.coalesce(changed, IncidentRow.created_at)


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        incident_id: int,
        kind: str,
        description: Mrkdwn,
        actor_id: str | None,
        occurred_at: datetime,
        details: dict[str, Any] | None = None,
        source_key: str | None = None,
    ) -> bool:
        """Append an event; with a `source_key` the same source is recorded once (False on repeats)."""
        values = {
            "incident_id": incident_id,
            "kind": kind,
            "description": description,
            "actor_id": actor_id,
            "occurred_at": occurred_at,
            "details": details or {},
            "source_key": source_key,
        }
        return await insert_if_absent(self._session, TimelineEventRow.__table__, values)

    async def remove(self, source_key: str) -> bool:
        result = await self._session.execute(
            delete(TimelineEventRow).where(TimelineEventRow.source_key == source_key)
        )
        return bool(getattr(result, "rowcount", 0))

    async def events(self, incident_id: int) -> list[TimelineEvent]:
        rows = await self._session.scalars(
            select(TimelineEventRow)
            .where(TimelineEventRow.incident_id == incident_id)
            .order_by(TimelineEventRow.occurred_at, TimelineEventRow.id)
        )
        return [_event_from_row(row) for row in rows]

    async def from_sources(self, source_keys: Iterable[str]) -> list[TimelineEvent]:
        """The events recorded from these source keys (any order)."""
        keys = list(source_keys)
        if not keys:
            return []
        rows = await self._session.scalars(
            select(TimelineEventRow).where(TimelineEventRow.source_key.in_(keys))
        )
        return [_event_from_row(row) for row in rows]


def _event_from_row(row: TimelineEventRow) -> TimelineEvent:
    return TimelineEvent(
        row.id,
        row.incident_id,
        row.kind,
        trusted(row.description),  # written as Mrkdwn by `add`
        row.actor_id,
        row.occurred_at,
        row.details,
    )


def incident_from_row(row: IncidentRow) -> Incident:
    return Incident(
        id=row.id,
        title=row.title,
        description=row.description,
        resolution=row.resolution,
        status=Status(row.status),
        incident_type=row.incident_type,
        severity=row.severity,
        priority=row.priority,
        visibility=Visibility(row.visibility),
        reporter_id=row.reporter_id,
        commander_id=row.commander_id,
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        header_ts=row.header_ts,
        created_at=row.created_at,
        stable_at=row.stable_at,
        closed_at=row.closed_at,
        cost=row.cost,
    )
