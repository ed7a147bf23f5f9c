"""On-call engagements and pages: who was brought in through which service, and each page's state.

Every change a replica might race another on (engaging a service, recording a page, acknowledging,
escalating, resolving) is one conditional statement, so it happens once however many replicas or
ticks try; the timeline event that tells of it is written in the same transaction, only by the winner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Engagement, NewPage, Page
from dispatchbot.mrkdwn import Mrkdwn, escape, md, mention
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.oncall import EngagementRepository, PageRepository


class OncallService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def pages(self, incident_id: int) -> list[Page]:
        """The incident's pages, oldest first (what its header shows)."""
        async with self._sessions() as session:
            return await PageRepository(session).for_incident(incident_id)

    async def engage(
        self, incident_id: int, service: str, user_id: str, email: str, engaged_by: str, key: str
    ) -> tuple[Engagement, bool]:
        """The service's engagement in the incident, made now unless one exists; True when request `key`
        made it (also when asked again after a crash), so only that request brings the person in."""
        now = self._clock.now()
        source = f"engaged:{key}"
        async with self._sessions.begin() as session:
            engagements = EngagementRepository(session)
            engagement, inserted = await engagements.add_if_absent(
                incident_id, service, user_id, email, engaged_by, now
            )
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
            return engagement, inserted or await engagements.event_recorded(source)

    async def page_by_key(self, dedup_key: str) -> Page | None:
        async with self._sessions() as session:
            return await PageRepository(session).by_key(dedup_key)

    async def record_page(self, page: NewPage) -> Page:
        """Store a sent page (once per dedup key) with its timeline event; returns the stored page."""
        now = self._clock.now()
        who = _who(page.target_user_id, page.target_name)
        async with self._sessions.begin() as session:
            stored, inserted = await PageRepository(session).add_if_absent(page, now)
            if inserted:
                await TimelineRepository(session).add(
                    page.incident_id,
                    "oncall_paged",
                    md("Paged {who} via {service}", who=who, service=page.service),
                    page.requested_by,
                    now,
                    {"service": page.service, "provider": page.provider, "page": page.external_id},
                    source_key=f"paged:{page.dedup_key}",
                )
            return stored

    async def to_follow(self) -> list[Page]:
        """Pages the ack loop still follows, in one query: those waiting for an ack, and any page not
        resolved yet whose incident is closed (resolving it at close failed; the loop tries again)."""
        async with self._sessions() as session:
            return await PageRepository(session).to_follow()

    async def unresolved(self, incident_id: int) -> list[Page]:
        async with self._sessions() as session:
            return await PageRepository(session).unresolved(incident_id)

    async def acknowledge(self, page: Page, at: datetime, by: str, by_text: Mrkdwn) -> bool:
        """Mark an open page acknowledged (`by` as the provider said, `by_text` for people); True once."""
        async with self._sessions.begin() as session:
            changed = await PageRepository(session).acknowledge(page.id, at, by)
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
            return await PageRepository(session).escalate(page.id, now)

    async def release_escalation(self, page: Page) -> None:
        """Give the claim back when the provider refused to escalate, so a later tick tries again."""
        async with self._sessions.begin() as session:
            await PageRepository(session).unescalate(page.id, page.status)

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
            changed = await PageRepository(session).resolve(page.id, now)
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
            await PageRepository(session).polled(page_ids, now)


def _who(user_id: str | None, name: str) -> Mrkdwn:
    """The paged person: a mention when they are in Slack, else the provider's name for them (escaped)."""
    return mention(user_id) if user_id else escape(name or "the on-call")
