"""The notifications group of an incident: Slack users and channels told about it (emails kept for later
providers, such as an email notifier)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.storage.tables import NotificationMemberRow


class MemberKind(StrEnum):
    USER = "user"
    CHANNEL = "channel"
    EMAIL = "email"


class NotificationGroupService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def members(self, incident_id: int) -> dict[MemberKind, list[str]]:
        async with self._sessions.begin() as session:
            rows = await session.scalars(
                select(NotificationMemberRow)
                .where(NotificationMemberRow.incident_id == incident_id)
                .order_by(NotificationMemberRow.id)
            )
            found: dict[MemberKind, list[str]] = {kind: [] for kind in MemberKind}
            for row in rows:
                found[MemberKind(row.kind)].append(row.value)
            return found

    async def replace(self, incident_id: int, members: dict[MemberKind, list[str]]) -> None:
        """Make the group exactly `members` (one transaction, so readers never see it half-written)."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(NotificationMemberRow).where(NotificationMemberRow.incident_id == incident_id)
            )
            for kind, values in members.items():
                for value in dict.fromkeys(values):
                    session.add(NotificationMemberRow(incident_id=incident_id, kind=kind.value, value=value))
