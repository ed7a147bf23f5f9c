"""Reports: written once per submission, read per incident and kind. Flush, never commit: services own
transactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from dispatchbot.domain import Report, ReportKind
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import ReportRow


class ReportRepository(Repository):
    async def add_if_absent(
        self,
        key: str,
        incident_id: int,
        kind: ReportKind,
        author_id: str,
        details: dict[str, str],
        now: datetime,
    ) -> tuple[Report, bool]:
        """The report of submission `key`, inserted unless a retry already did; True when inserted here."""
        values = {
            "creation_key": key,
            "incident_id": incident_id,
            "kind": kind.value,
            "author_id": author_id,
            "details": details,
            "created_at": now,
        }
        created = await insert_if_absent(self._session, ReportRow.__table__, values)
        row = await self._session.scalar(select(ReportRow).where(ReportRow.creation_key == key))
        assert row is not None  # inserted just above, or by the earlier attempt
        return _to_domain(row), created

    async def get(self, report_id: int) -> Report | None:
        row = await self._session.get(ReportRow, report_id)
        return _to_domain(row) if row is not None else None

    async def latest(self, incident_id: int, kind: ReportKind) -> Report | None:
        row = await self._session.scalar(
            select(ReportRow)
            .where(ReportRow.incident_id == incident_id, ReportRow.kind == kind.value)
            .order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
            .limit(1)
        )
        return _to_domain(row) if row is not None else None

    async def before(self, report: Report) -> Report | None:
        """The report of the same incident and kind written just before `report`."""
        row = await self._session.scalar(
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
        """Remember the Slack message showing the report (nothing when the report is gone)."""
        row = await self._session.get(ReportRow, report_id, with_for_update=True)
        if row is not None:
            row.message_ts = message_ts
            await self._session.flush()


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
