"""Participant, role and subscription rows. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import Participant, Role
from dispatchbot.mrkdwn import Mrkdwn, trusted
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import ParticipantRoleRow, ParticipantRow, SubscriptionRow


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
        created = await insert_if_absent(self._session, ParticipantRow.__table__, values)
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
