"""Report transactions: a report is written once per submission and logged on the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Report, ReportKind
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import md, mention
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import ReportRow


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
            values: dict[str, Any] = {
                "creation_key": key,
                "incident_id": incident_id,
                "kind": kind.value,
                "author_id": author_id,
                "details": details,
                "created_at": now,
            }
            created = await insert_if_absent(session, ReportRow.__table__, values)  # type: ignore[arg-type]
            row = await session.scalar(select(ReportRow).where(ReportRow.creation_key == key))
            assert row is not None
            if created:
                await TimelineRepository(session).add(
                    incident_id,
                    f"{kind.value}_report",
                    md("{who} wrote a {kind}", who=mention(author_id), kind=kind.label.lower()),
                    author_id,
                    now,
                    {"report_id": row.id},
                    source_key=f"report:{row.id}",
                )
            return _to_domain(row), created

    async def latest(self, incident_id: int, kind: ReportKind) -> Report | None:
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ReportRow)
                .where(ReportRow.incident_id == incident_id, ReportRow.kind == kind.value)
                .order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
                .limit(1)
            )
            return _to_domain(row) if row is not None else None

    async def get(self, report_id: int) -> Report:
        async with self._sessions.begin() as session:
            row = await session.get(ReportRow, report_id)
            if row is None:
                raise NotFound("That report does not exist.")
            return _to_domain(row)

    async def before(self, report: Report) -> Report | None:
        """The report of the same kind written just before `report` (its pinned predecessor, say)."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ReportRow)
                .where(
                    ReportRow.incident_id == report.incident_id,
                    ReportRow.kind == report.kind.value,
                    ReportRow.id < report.id,
                )
                .order_by(ReportRow.id.desc())
                .limit(1)
            )
            return _to_domain(row) if row is not None else None

    async def set_message(self, report_id: int, message_ts: str) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(ReportRow, report_id, with_for_update=True)
            if row is not None:
                row.message_ts = message_ts


def _to_domain(row: ReportRow) -> Report:
    return Report(
        id=row.id,
        incident_id=row.incident_id,
        kind=ReportKind(row.kind),
        author_id=row.author_id,
        details=dict(row.details),
        created_at=row.created_at,
        message_ts=row.message_ts,
    )
