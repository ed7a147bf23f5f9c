"""Queries over incidents, participants, roles, timeline. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import Incident, Participant, Role, Status, TimelineEvent, Visibility
from dispatchbot.mrkdwn import Mrkdwn, trusted
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import (
    IncidentRow,
    ParticipantRoleRow,
    ParticipantRow,
    TimelineEventRow,
)


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_if_absent(self, values: dict[str, Any]) -> IncidentRow:
        """Insert by `creation_key` unless a crash-and-retry already did; return the stored row."""
        await insert_if_absent(self._session, IncidentRow.__table__, values)  # type: ignore[arg-type]
        row = await self._session.scalar(
            select(IncidentRow).where(IncidentRow.creation_key == values["creation_key"])
        )
        assert row is not None
        return row

    async def row(self, incident_id: int, *, for_update: bool = False) -> IncidentRow | None:
        statement = select(IncidentRow).where(IncidentRow.id == incident_id)
        if for_update:
            statement = statement.with_for_update()
        return await self._session.scalar(statement)

    async def by_channel(self, channel_id: str) -> IncidentRow | None:
        return await self._session.scalar(select(IncidentRow).where(IncidentRow.channel_id == channel_id))

    async def visible_to(self, user_id: str, *, closed_since: datetime, limit: int) -> list[IncidentRow]:
        """Open incidents, and restricted ones where `user_id` is an active participant, newest first."""
        member = (
            select(ParticipantRow.incident_id)
            .where(ParticipantRow.user_id == user_id, ParticipantRow.active.is_(True))
            .scalar_subquery()
        )
        statement = (
            select(IncidentRow)
            .where(
                or_(IncidentRow.status != Status.CLOSED.value, IncidentRow.closed_at >= closed_since),
                or_(IncidentRow.visibility == Visibility.OPEN.value, IncidentRow.id.in_(member)),
            )
            .order_by(IncidentRow.id.desc())
            .limit(limit)
        )
        return list(await self._session.scalars(statement))


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def row(self, incident_id: int, user_id: str, *, for_update: bool = False) -> ParticipantRow | None:
        """The participant row; `for_update` locks it (PostgreSQL) for a read-then-write."""
        statement = select(ParticipantRow).where(
            ParticipantRow.incident_id == incident_id, ParticipantRow.user_id == user_id
        )
        return await self._session.scalar(statement.with_for_update() if for_update else statement)

    async def ensure(
        self,
        incident_id: int,
        user_id: str,
        *,
        added_by: str | None,
        reason: Mrkdwn,
        now: datetime,
        messages: int = 0,
    ) -> tuple[ParticipantRow, bool]:
        """The person's row, created (active) unless it exists; True when created here.

        Insert-or-nothing, then read under lock: two replicas adding the same person at once both
        succeed, and only one of them creates the row.
        """
        values = {
            "incident_id": incident_id,
            "user_id": user_id,
            "active": True,
            "added_by": added_by,
            "added_reason": reason,
            "joined_at": now,
            "message_count": messages,
            "after_hours_notified": False,
        }
        created = await insert_if_absent(self._session, ParticipantRow.__table__, values)  # type: ignore[arg-type]
        row = await self.row(incident_id, user_id, for_update=True)
        assert row is not None
        return row, created

    async def rows(self, incident_id: int, *, active_only: bool) -> list[ParticipantRow]:
        statement = select(ParticipantRow).where(ParticipantRow.incident_id == incident_id)
        if active_only:
            statement = statement.where(ParticipantRow.active.is_(True))
        return list(await self._session.scalars(statement.order_by(ParticipantRow.id)))

    async def active_roles(self, participant_ids: list[int]) -> dict[int, set[Role]]:
        found: dict[int, set[Role]] = {participant_id: set() for participant_id in participant_ids}
        if not participant_ids:
            return found
        result = await self._session.execute(
            select(ParticipantRoleRow.participant_id, ParticipantRoleRow.role).where(
                ParticipantRoleRow.participant_id.in_(participant_ids),
                ParticipantRoleRow.renounced_at.is_(None),
            )
        )
        for participant_id, role in result.all():
            found[participant_id].add(Role(role))
        return found

    async def holder(self, incident_id: int, role: Role) -> ParticipantRow | None:
        return await self._session.scalar(
            select(ParticipantRow)
            .join(ParticipantRoleRow, ParticipantRoleRow.participant_id == ParticipantRow.id)
            .where(
                ParticipantRow.incident_id == incident_id,
                ParticipantRoleRow.role == role.value,
                ParticipantRoleRow.renounced_at.is_(None),
            )
        )

    async def assume(self, participant_id: int, role: Role, now: datetime) -> bool:
        """Start holding `role` unless already held; True when it was newly assumed."""
        held = await self._session.scalar(
            select(func.count())
            .select_from(ParticipantRoleRow)
            .where(
                ParticipantRoleRow.participant_id == participant_id,
                ParticipantRoleRow.role == role.value,
                ParticipantRoleRow.renounced_at.is_(None),
            )
        )
        if held:
            return False
        self._session.add(ParticipantRoleRow(participant_id=participant_id, role=role.value, assumed_at=now))
        await self._session.flush()
        return True

    async def renounce(self, participant_id: int, roles: Iterable[Role] | None, now: datetime) -> None:
        """Stop holding `roles` (all roles when None)."""
        statement = update(ParticipantRoleRow).where(
            ParticipantRoleRow.participant_id == participant_id, ParticipantRoleRow.renounced_at.is_(None)
        )
        if roles is not None:
            statement = statement.where(ParticipantRoleRow.role.in_([role.value for role in roles]))
        await self._session.execute(statement.values(renounced_at=now))

    async def last_roles(self, participant_id: int) -> set[Role]:
        """The roles renounced most recently (all at one moment), to restore them on reopen."""
        latest = await self._session.scalar(
            select(func.max(ParticipantRoleRow.renounced_at)).where(
                ParticipantRoleRow.participant_id == participant_id
            )
        )
        if latest is None:
            return set()
        roles = await self._session.scalars(
            select(ParticipantRoleRow.role).where(
                ParticipantRoleRow.participant_id == participant_id, ParticipantRoleRow.renounced_at == latest
            )
        )
        return {Role(role) for role in roles}


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
        return await insert_if_absent(self._session, TimelineEventRow.__table__, values)  # type: ignore[arg-type]

    async def remove(self, source_key: str) -> bool:
        result = await self._session.execute(
            delete(TimelineEventRow).where(TimelineEventRow.source_key == source_key)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def events(self, incident_id: int) -> list[TimelineEvent]:
        rows = await self._session.scalars(
            select(TimelineEventRow)
            .where(TimelineEventRow.incident_id == incident_id)
            .order_by(TimelineEventRow.occurred_at, TimelineEventRow.id)
        )
        return [
            TimelineEvent(
                row.id,
                row.incident_id,
                row.kind,
                trusted(row.description),  # written as Mrkdwn by `add`
                row.actor_id,
                row.occurred_at,
                row.details,
            )
            for row in rows
        ]


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


def participant_from_row(row: ParticipantRow, roles: set[Role]) -> Participant:
    return Participant(
        incident_id=row.incident_id,
        user_id=row.user_id,
        roles=frozenset(roles),
        active=row.active,
        added_by=row.added_by,
        added_reason=trusted(row.added_reason),  # written as Mrkdwn by `add` and `set_reason`
        joined_at=row.joined_at,
        message_count=row.message_count,
        after_hours_notified=row.after_hours_notified,
    )
