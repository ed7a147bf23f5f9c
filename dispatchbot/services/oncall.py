"""On-call engagements and pages: who was brought in through which service, and each page's state.

Every change a replica might race another on (engaging a service, recording a page, acknowledging,
escalating, resolving) is one conditional statement, so it happens once however many replicas or
ticks try; the timeline event that tells of it is written in the same transaction, only by the winner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Page, PageStatus, Status
from dispatchbot.mrkdwn import Mrkdwn, escape, md, mention
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import EngagementRow, IncidentRow, PageRow, TimelineEventRow

UNRESOLVED = (PageStatus.TRIGGERED.value, PageStatus.ESCALATED.value, PageStatus.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class Engagement:
    incident_id: int
    service: str
    user_id: str
    email: str
    engaged_by: str
    engaged_at: datetime


@dataclass(frozen=True)
class NewPage:
    """A page the provider accepted, to be recorded (once, by `dedup_key`) and followed."""

    dedup_key: str
    incident_id: int
    service: str
    provider: str
    external_id: str
    target_user_id: str | None
    target_name: str
    requested_by: str


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

    async def engage(
        self, incident_id: int, service: str, user_id: str, email: str, engaged_by: str, key: str
    ) -> tuple[Engagement, bool]:
        """The service's engagement in the incident, made now unless one exists; True when request `key`
        made it (also when asked again after a crash), so only that request brings the person in."""
        now = self._clock.now()
        source = f"engaged:{key}"
        async with self._sessions.begin() as session:
            values = {
                "incident_id": incident_id,
                "service": service,
                "user_id": user_id,
                "email": email,
                "engaged_by": engaged_by,
                "engaged_at": now,
            }
            inserted = await insert_if_absent(session, EngagementRow.__table__, values)  # type: ignore[arg-type]
            if inserted:
                await TimelineRepository(session).add(
                    incident_id,
                    "oncall_engaged",
                    md("{who} engaged through {service}", who=mention(user_id), service=service),
                    engaged_by,
                    now,
                    {"service": service, "email": email},
                    source_key=source,
                )
            row = await session.scalar(
                select(EngagementRow).where(
                    EngagementRow.incident_id == incident_id, EngagementRow.service == service
                )
            )
            assert row is not None
            ours = inserted or await _has_event(session, source)
            return _engagement_from_row(row), ours

    async def page_by_key(self, dedup_key: str) -> Page | None:
        async with self._sessions() as session:
            row = await session.scalar(select(PageRow).where(PageRow.dedup_key == dedup_key))
            return page_from_row(row) if row is not None else None

    async def record_page(self, page: NewPage) -> Page:
        """Store a sent page (once per dedup key) with its timeline event; returns the stored page."""
        now = self._clock.now()
        who = _who(page.target_user_id, page.target_name)
        async with self._sessions.begin() as session:
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
            if await insert_if_absent(session, PageRow.__table__, values):  # type: ignore[arg-type]
                await TimelineRepository(session).add(
                    page.incident_id,
                    "oncall_paged",
                    md("Paged {who} via {service}", who=who, service=page.service),
                    page.requested_by,
                    now,
                    {"service": page.service, "provider": page.provider, "page": page.external_id},
                    source_key=f"paged:{page.dedup_key}",
                )
            row = await session.scalar(select(PageRow).where(PageRow.dedup_key == page.dedup_key))
            assert row is not None
            return page_from_row(row)

    async def to_follow(self) -> list[Page]:
        """Pages the ack loop still follows, in one query: those waiting for an ack, and any page not
        resolved yet whose incident is closed (resolving it at close failed; the loop tries again)."""
        async with self._sessions() as session:
            rows = await session.scalars(
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
            return [page_from_row(row) for row in rows]

    async def unresolved(self, incident_id: int) -> list[Page]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PageRow)
                .where(PageRow.incident_id == incident_id, PageRow.status.in_(UNRESOLVED))
                .order_by(PageRow.id)
            )
            return [page_from_row(row) for row in rows]

    async def acknowledge(self, page: Page, at: datetime, by: str, by_text: Mrkdwn) -> bool:
        """Mark an open page acknowledged (`by` as the provider said, `by_text` for people); True once."""
        async with self._sessions.begin() as session:
            changed = await _change(
                session,
                page.id,
                [PageStatus.TRIGGERED, PageStatus.ESCALATED],
                status=PageStatus.ACKNOWLEDGED.value,
                acknowledged_at=at,
                acknowledged_by=by[:255],
            )
            if changed:
                await TimelineRepository(session).add(
                    page.incident_id,
                    "page_acknowledged",
                    md("{who} acknowledged the page via {service}", who=by_text, service=page.service),
                    None,
                    at,
                    {"service": page.service, "by": by},
                    source_key=f"page_acknowledged:{page.id}",
                )
            return changed

    async def claim_escalation(self, page: Page, now: datetime) -> bool:
        """Take the one right to escalate a still-triggered page (True once, across replicas and ticks)."""
        async with self._sessions.begin() as session:
            return await _change(
                session, page.id, [PageStatus.TRIGGERED], status=PageStatus.ESCALATED.value, escalated_at=now
            )

    async def release_escalation(self, page: Page) -> None:
        """Give the claim back when the provider refused to escalate, so a later tick tries again."""
        async with self._sessions.begin() as session:
            await _change(
                session, page.id, [PageStatus.ESCALATED], status=page.status.value, escalated_at=None
            )

    async def escalated(self, page: Page, now: datetime, timeout_minutes: float) -> None:
        """The timeline event of an escalation that went through (once per page)."""
        async with self._sessions.begin() as session:
            await TimelineRepository(session).add(
                page.incident_id,
                "page_escalated",
                md(
                    "The page via {service} was not acknowledged within {timeout:g} minutes "
                    "and was escalated",
                    service=page.service,
                    timeout=timeout_minutes,
                ),
                None,
                now,
                {"service": page.service},
                source_key=f"page_escalated:{page.id}",
            )

    async def resolve(self, page: Page, now: datetime, why: str) -> bool:
        """Mark a page resolved (`why`: "the incident was closed", ...); True for the call that did it."""
        async with self._sessions.begin() as session:
            changed = await _change(
                session,
                page.id,
                [PageStatus(status) for status in UNRESOLVED],
                status=PageStatus.RESOLVED.value,
                resolved_at=now,
            )
            if changed:
                await TimelineRepository(session).add(
                    page.incident_id,
                    "page_resolved",
                    md("The page via {service} was resolved: {why}", service=page.service, why=why),
                    None,
                    now,
                    {"service": page.service},
                    source_key=f"page_resolved:{page.id}",
                )
            return changed

    async def polled(self, page_ids: Sequence[int], now: datetime) -> None:
        if not page_ids:
            return
        async with self._sessions.begin() as session:
            await session.execute(update(PageRow).where(PageRow.id.in_(page_ids)).values(last_polled_at=now))


async def _change(session: AsyncSession, page_id: int, when: Sequence[PageStatus], **values: object) -> bool:
    """Update the page only while its status is one of `when`; True when this statement changed it."""
    result = await session.execute(
        update(PageRow)
        .where(PageRow.id == page_id, PageRow.status.in_([status.value for status in when]))
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def _has_event(session: AsyncSession, source_key: str) -> bool:
    found = await session.scalar(select(TimelineEventRow.id).where(TimelineEventRow.source_key == source_key))
    return found is not None


def _who(user_id: str | None, name: str) -> Mrkdwn:
    """The paged person: a mention when they are in Slack, else the provider's name for them (escaped)."""
    return mention(user_id) if user_id else escape(name or "the on-call")


def _engagement_from_row(row: EngagementRow) -> Engagement:
    return Engagement(
        incident_id=row.incident_id,
        service=row.service,
        user_id=row.user_id,
        email=row.email,
        engaged_by=row.engaged_by,
        engaged_at=row.engaged_at,
    )


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
