"""On-call engagements and pages. Every change replicas may race on is one conditional statement, so
exactly one caller is told it made it. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update

from dispatchbot.domain import Engagement, NewPage, Page, PageStatus, Status
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import EngagementRow, IncidentRow, PageRow, TimelineEventRow

UNRESOLVED = (PageStatus.TRIGGERED, PageStatus.ESCALATED, PageStatus.ACKNOWLEDGED)
BY_LENGTH = 255
"""`acknowledged_by` is what the provider said; longer answers are cut to the column."""


class EngagementRepository(Repository):
    async def add_if_absent(
        self, incident_id: int, service: str, user_id: str, email: str, engaged_by: str, now: datetime
    ) -> tuple[Engagement, bool]:
        """The service's engagement in the incident, inserted unless one exists; True when inserted here."""
        values = {
            "incident_id": incident_id,
            "service": service,
            "user_id": user_id,
            "email": email,
            "engaged_by": engaged_by,
            "engaged_at": now,
        }
        inserted = await insert_if_absent(self._session, EngagementRow.__table__, values)
        row = await self._session.scalar(
            select(EngagementRow).where(
                EngagementRow.incident_id == incident_id, EngagementRow.service == service
            )
        )
        assert row is not None  # inserted just above, or earlier
        return _engagement(row), inserted

    async def event_recorded(self, source_key: str) -> bool:
        """Whether the timeline holds the event of this source (the engagement a request made)."""
        found = await self._session.scalar(
            select(TimelineEventRow.id).where(TimelineEventRow.source_key == source_key)
        )
        return found is not None


class PageRepository(Repository):
    async def for_incident(self, incident_id: int) -> list[Page]:
        """The incident's pages, oldest first."""
        rows = await self._session.scalars(
            select(PageRow).where(PageRow.incident_id == incident_id).order_by(PageRow.id)
        )
        return [_page(row) for row in rows]

    async def by_key(self, dedup_key: str) -> Page | None:
        row = await self._session.scalar(select(PageRow).where(PageRow.dedup_key == dedup_key))
        return _page(row) if row is not None else None

    async def add_if_absent(self, page: NewPage, now: datetime) -> tuple[Page, bool]:
        """The triggered page of `page.dedup_key`, inserted unless it exists; True when inserted here."""
        values = {
            "dedup_key": page.dedup_key,
            "incident_id": page.incident_id,
            "service": page.service,
            "provider": page.provider,
            "external_id": page.external_id,
            "target_user_id": page.target_user_id,
            "target_name": page.target_name,
            "status": PageStatus.TRIGGERED.value,
            "requested_by": page.requested_by,
            "paged_at": now,
        }
        inserted = await insert_if_absent(self._session, PageRow.__table__, values)
        stored = await self.by_key(page.dedup_key)
        assert stored is not None  # inserted just above, or earlier
        return stored, inserted

    async def to_follow(self) -> list[Page]:
        """Pages waiting for an ack, and acknowledged pages of closed incidents, in one query."""
        rows = await self._session.scalars(
            select(PageRow)
            .join(IncidentRow, IncidentRow.id == PageRow.incident_id)
            .where(
                or_(
                    PageRow.status.in_([PageStatus.TRIGGERED.value, PageStatus.ESCALATED.value]),
                    and_(
                        PageRow.status == PageStatus.ACKNOWLEDGED.value,
                        IncidentRow.status == Status.CLOSED.value,
                    ),
                )
            )
            .order_by(PageRow.id)
        )
        return [_page(row) for row in rows]

    async def unresolved(self, incident_id: int) -> list[Page]:
        rows = await self._session.scalars(
            select(PageRow)
            .where(PageRow.incident_id == incident_id, PageRow.status.in_(_values(UNRESOLVED)))
            .order_by(PageRow.id)
        )
        return [_page(row) for row in rows]

    async def acknowledge(self, page_id: int, at: datetime, by: str) -> bool:
        """Triggered or escalated to acknowledged; True when this call changed it."""
        return await self._change(
            page_id,
            [PageStatus.TRIGGERED, PageStatus.ESCALATED],
            status=PageStatus.ACKNOWLEDGED.value,
            acknowledged_at=at,
            acknowledged_by=by[:BY_LENGTH],
        )

    async def escalate(self, page_id: int, now: datetime) -> bool:
        """Triggered to escalated; True when this call changed it."""
        return await self._change(
            page_id, [PageStatus.TRIGGERED], status=PageStatus.ESCALATED.value, escalated_at=now
        )

    async def unescalate(self, page_id: int, status: PageStatus) -> None:
        """Escalated back to `status`, as if the escalation never happened."""
        await self._change(page_id, [PageStatus.ESCALATED], status=status.value, escalated_at=None)

    async def resolve(self, page_id: int, now: datetime) -> bool:
        """Any unresolved status to resolved; True when this call changed it."""
        return await self._change(page_id, UNRESOLVED, status=PageStatus.RESOLVED.value, resolved_at=now)

    async def polled(self, page_ids: Sequence[int], now: datetime) -> None:
        await self._session.execute(
            update(PageRow).where(PageRow.id.in_(page_ids)).values(last_polled_at=now)
        )

    async def _change(self, page_id: int, when: Sequence[PageStatus], **values: object) -> bool:
        """Update the page only while its status is one of `when`; True when this statement changed it."""
        result = await self._session.execute(
            update(PageRow).where(PageRow.id == page_id, PageRow.status.in_(_values(when))).values(**values)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def _values(statuses: Sequence[PageStatus]) -> list[str]:
    return [status.value for status in statuses]


def _engagement(row: EngagementRow) -> Engagement:
    return Engagement(
        incident_id=row.incident_id,
        service=row.service,
        user_id=row.user_id,
        email=row.email,
        engaged_by=row.engaged_by,
        engaged_at=row.engaged_at,
    )


def _page(row: PageRow) -> Page:
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
