"""Notifications group rows: the members told about an incident, in the order they were added."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.domain import MemberKind
from dispatchbot.storage.tables import NotificationMemberRow


class NotificationGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def members(self, incident_id: int) -> dict[MemberKind, list[str]]:
        rows = await self._session.scalars(
            select(NotificationMemberRow)
            .where(NotificationMemberRow.incident_id == incident_id)
            .order_by(NotificationMemberRow.id)
        )
        found: dict[MemberKind, list[str]] = {kind: [] for kind in MemberKind}
        for row in rows:
            found[MemberKind(row.kind)].append(row.value)
        return found

    async def replace(self, incident_id: int, members: dict[MemberKind, list[str]]) -> None:
        """Make the group exactly `members`, each value once per kind."""
        await self._session.execute(
            delete(NotificationMemberRow).where(NotificationMemberRow.incident_id == incident_id)
        )
        for kind, values in members.items():
            for value in dict.fromkeys(values):
                self._session.add(
                    NotificationMemberRow(incident_id=incident_id, kind=kind.value, value=value)
                )
        await self._session.flush()
