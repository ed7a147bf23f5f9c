"""On-call engagements and pages: who was brought in through which service, and each page's state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Page, PageStatus
from dispatchbot.storage.tables import PageRow


class OncallService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def pages(self, incident_id: int) -> list[Page]:
        """The incident's pages, oldest first (what its header shows)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PageRow).where(PageRow.incident_id == incident_id).order_by(PageRow.id)
            )
            return [page_from_row(row) for row in rows]


def page_from_row(row: PageRow) -> Page:
    return Page(
        id=row.id,
        incident_id=row.incident_id,
        service=row.service,
        provider=row.provider,
        external_id=row.external_id,
        target_user_id=row.target_user_id,
        target_name=row.target_name,
        status=PageStatus(row.status),
        requested_by=row.requested_by,
        paged_at=row.paged_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        escalated_at=row.escalated_at,
        resolved_at=row.resolved_at,
    )
