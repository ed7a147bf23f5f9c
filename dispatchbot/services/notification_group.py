"""The notifications group of an incident: Slack users and channels told about it (emails kept for later
providers, such as an email notifier)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.domain import MemberKind
from dispatchbot.storage.notification_group import NotificationGroupRepository


class NotificationGroupService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def members(self, incident_id: int) -> dict[MemberKind, list[str]]:
        async with self._sessions.begin() as session:
            return await NotificationGroupRepository(session).members(incident_id)

    async def replace(self, incident_id: int, members: dict[MemberKind, list[str]]) -> None:
        """Make the group exactly `members` (one transaction, so readers never see it half-written)."""
        async with self._sessions.begin() as session:
            await NotificationGroupRepository(session).replace(incident_id, members)
