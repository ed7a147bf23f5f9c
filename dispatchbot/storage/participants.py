"""Participant, role and subscription rows. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import Participant, Role
from dispatchbot.mrkdwn import Mrkdwn, trusted
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import ParticipantRoleRow, ParticipantRow, SubscriptionRow


@dataclass(frozen=True)
class ParticipantRecord:
    """A participant as stored, without roles (held in their own rows): `id` is what role operations take.

    Services get this frozen copy, never the ORM row, so every write goes through a repository method.
    """

    id: int
    incident_id: int
    user_id: str
    active: bool
    added_by: str | None
    added_reason: Mrkdwn
    joined_at: datetime
    message_count: int
    after_hours_notified: bool

    def with_roles(self, roles: Iterable[Role]) -> Participant:
        return Participant(
            self.incident_id,
            self.user_id,
            frozenset(roles),
            self.active,
            self.added_by,
            self.added_reason,
            self.joined_at,
            self.message_count,
            self.after_hours_notified,
        )


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(
        self, incident_id: int, user_id: str, *, for_update: bool = False
    ) -> ParticipantRecord | None:
        """The participant; `for_update` locks its row (PostgreSQL) for a read-then-write."""
        statement = select(ParticipantRow).where(
            ParticipantRow.incident_id == incident_id, ParticipantRow.user_id == user_id
        )
        row = await self._session.scalar(statement.with_for_update() if for_update else statement)
        return None if row is None else _record(row)

    async def ensure(
        self,
        incident_id: int,
        user_id: str,
        *,
        added_by: str | None,
        reason: Mrkdwn,
        now: datetime,
        messages: int = 0,
    ) -> tuple[ParticipantRecord, bool]:
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
        created = await insert_if_absent(self._session, ParticipantRow.__table__, values)
        record = await self.find(incident_id, user_id, for_update=True)
        assert record is not None
        return record, created

    async def members(self, incident_id: int, *, active_only: bool) -> list[ParticipantRecord]:
        statement = select(ParticipantRow).where(ParticipantRow.incident_id == incident_id)
        if active_only:
            statement = statement.where(ParticipantRow.active.is_(True))
        return [_record(row) for row in await self._session.scalars(statement.order_by(ParticipantRow.id))]

    async def reactivate(
        self, participant_id: int, *, added_by: str | None, reason: Mrkdwn
    ) -> ParticipantRecord:
        """Active again, as added now by `added_by` for `reason`."""
        return await self._write(
            participant_id, active=True, left_at=None, added_by=added_by, added_reason=reason
        )

    async def deactivate(self, participant_id: int, left_at: datetime) -> ParticipantRecord:
        return await self._write(participant_id, active=False, left_at=left_at)

    async def count_message(self, participant_id: int) -> ParticipantRecord:
        """One more message counted; the record carries the new count."""
        return await self._write(participant_id, message_count=ParticipantRow.message_count + 1)

    async def set_reason(self, participant_id: int, reason: Mrkdwn) -> ParticipantRecord:
        return await self._write(participant_id, added_reason=reason)

    async def _write(self, participant_id: int, **values: Any) -> ParticipantRecord:
        """Update one participant row and read it back in the same statement."""
        row = await self._session.scalar(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant_id)
            .values(**values)
            .returning(ParticipantRow)
        )
        assert row is not None
        return _record(row)

    async def held_roles(self, participant_id: int) -> set[Role]:
        return (await self.active_roles([participant_id]))[participant_id]

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

    async def holder(self, incident_id: int, role: Role) -> ParticipantRecord | None:
        row = await self._session.scalar(
            select(ParticipantRow)
            .join(ParticipantRoleRow, ParticipantRoleRow.participant_id == ParticipantRow.id)
            .where(
                ParticipantRow.incident_id == incident_id,
                ParticipantRoleRow.role == role.value,
                ParticipantRoleRow.renounced_at.is_(None),
            )
        )
        return None if row is None else _record(row)

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

    async def roles_of(self, user_id: str, incident_ids: list[int]) -> dict[int, frozenset[Role]]:
        """This person's active roles in each of these incidents where they are active."""
        rows = list(
            await self._session.scalars(
                select(ParticipantRow).where(
                    ParticipantRow.user_id == user_id,
                    ParticipantRow.incident_id.in_(incident_ids),
                    ParticipantRow.active.is_(True),
                )
            )
        )
        roles = await self.active_roles([row.id for row in rows])
        return {row.incident_id: frozenset(roles[row.id]) for row in rows}

    async def mark_after_hours_notified(self, incident_id: int, user_id: str) -> bool:
        """Set the flag unless it is set; True only when this call set it."""
        result = await self._session.execute(
            update(ParticipantRow)
            .where(
                ParticipantRow.incident_id == incident_id,
                ParticipantRow.user_id == user_id,
                ParticipantRow.after_hours_notified.is_(False),
            )
            .values(after_hours_notified=True)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, incident_id: int, user_id: str, now: datetime) -> bool:
        """True when newly subscribed."""
        values = {"incident_id": incident_id, "user_id": user_id, "created_at": now}
        return await insert_if_absent(self._session, SubscriptionRow.__table__, values)

    async def subscribers(self, incident_id: int) -> list[str]:
        rows = await self._session.scalars(
            select(SubscriptionRow.user_id).where(SubscriptionRow.incident_id == incident_id)
        )
        return list(rows)


def _record(row: ParticipantRow) -> ParticipantRecord:
    return ParticipantRecord(
        id=row.id,
        incident_id=row.incident_id,
        user_id=row.user_id,
        active=row.active,
        added_by=row.added_by,
        added_reason=trusted(
            row.added_reason
        ),  # written as Mrkdwn only: `ensure`, `reactivate`, `set_reason`
        joined_at=row.joined_at,
        message_count=row.message_count,
        after_hours_notified=row.after_hours_notified,
    )
