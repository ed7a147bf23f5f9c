"""Report transactions: a report is written once per submission and logged on the timeline."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Report, ReportKind
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import md, mention
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.reports import ReportRepository


class ReportService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self, key: str, incident_id: int, kind: ReportKind, author_id: str, details: dict[str, str]
    ) -> tuple[Report, bool]:
        """The report for submission `key`, written (with its timeline event) unless it already was."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            report, created = await ReportRepository(session).add_if_absent(
                key, incident_id, kind, author_id, details, now
            )
            if created:
                await TimelineRepository(session).add(
                    incident_id,
                    f"{kind.value}_report",
                    md("{who} wrote a {kind}", who=mention(author_id), kind=kind.label.lower()),
                    author_id,
                    now,
                    {"report_id": report.id},
                    source_key=f"report:{report.id}",
                )
            return report, created

    async def latest(self, incident_id: int, kind: ReportKind) -> Report | None:
        async with self._sessions.begin() as session:
            return await ReportRepository(session).latest(incident_id, kind)

    async def get(self, report_id: int) -> Report:
        async with self._sessions.begin() as session:
            report = await ReportRepository(session).get(report_id)
            if report is None:
                raise NotFound("That report does not exist.")
            return report

    async def before(self, report: Report) -> Report | None:
        """The report of the same kind written just before `report` (its pinned predecessor, say)."""
        async with self._sessions.begin() as session:
            return await ReportRepository(session).before(report)

    async def set_message(self, report_id: int, message_ts: str) -> None:
        async with self._sessions.begin() as session:
            await ReportRepository(session).set_message(report_id, message_ts)
