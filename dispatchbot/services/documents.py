"""Incident resources in the documents provider: which exist, which failed (and why), who has access.

A row per (incident, kind) is the memory that makes document steps idempotent: a resumed or retried
run reads it before calling the provider, so it never makes a second folder or a second document. A
copied document that is not filled and shared yet is kept as `failed` with its file id, so the retry
fills that copy instead of making another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Document, ResourceStatus, Status
from dispatchbot.storage.inserts import insert_if_absent, insert_missing
from dispatchbot.storage.tables import DocumentRow, DocumentShareRow, IncidentRow

NOT_FINISHED = "copied, not filled and shared yet"


@dataclass(frozen=True)
class SyncTarget:
    """A ready resource of an active or stable incident, with what the task sync needs to know."""

    document: Document
    made_at: datetime
    synced_at: datetime | None


class DocumentService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def for_incident(self, incident_id: int) -> list[Document]:
        """The incident's resources in the order they were made (what its header shows)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DocumentRow).where(DocumentRow.incident_id == incident_id).order_by(DocumentRow.id)
            )
            return [document_from_row(row) for row in rows]

    async def get(self, incident_id: int, kind: str) -> Document | None:
        async with self._sessions() as session:
            row = await session.scalar(_row(incident_id, kind))
            return document_from_row(row) if row is not None else None

    async def mark_started(self, incident_id: int, kind: str, external_id: str, weblink: str) -> Document:
        """The file exists (copied) but is not usable yet: remembered so nobody copies it again."""
        return await self._save(
            incident_id,
            kind,
            external_id=external_id,
            weblink=weblink,
            status=ResourceStatus.FAILED.value,
            error=NOT_FINISHED,
        )

    async def mark_ready(self, incident_id: int, kind: str, external_id: str, weblink: str) -> Document:
        return await self._save(
            incident_id,
            kind,
            external_id=external_id,
            weblink=weblink,
            status=ResourceStatus.READY.value,
            error=None,
        )

    async def mark_failed(self, incident_id: int, kind: str, error: str) -> Document:
        """Failed (shown with a Retry button); a file id already known is kept for the retry."""
        return await self._save(incident_id, kind, status=ResourceStatus.FAILED.value, error=error)

    async def last_failure_at(self, incident_id: int) -> datetime | None:
        """When the incident's latest failed resource failed; None when nothing is failed."""
        async with self._sessions() as session:
            return await session.scalar(
                select(func.max(DocumentRow.updated_at)).where(
                    DocumentRow.incident_id == incident_id,
                    DocumentRow.status == ResourceStatus.FAILED.value,
                )
            )

    async def sync_targets(self) -> list[SyncTarget]:
        """Ready resources of active and stable incidents: what the periodic sync shares and reads."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DocumentRow)
                .join(IncidentRow, IncidentRow.id == DocumentRow.incident_id)
                .where(
                    DocumentRow.status == ResourceStatus.READY.value,
                    IncidentRow.status.in_([Status.ACTIVE.value, Status.STABLE.value]),
                )
                .order_by(DocumentRow.incident_id, DocumentRow.id)
            )
            return [SyncTarget(document_from_row(row), row.updated_at, row.synced_at) for row in rows]

    async def mark_synced(self, incident_id: int, kind: str, at: datetime) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(DocumentRow)
                .where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)
                .values(synced_at=at)
            )

    async def shared_emails(self, incident_id: int) -> set[str]:
        async with self._sessions() as session:
            emails = await session.scalars(
                select(DocumentShareRow.email).where(DocumentShareRow.incident_id == incident_id)
            )
            return set(emails)

    async def add_shares(self, incident_id: int, emails: Iterable[str]) -> None:
        """Remember that the incident's resources are shared with these people (repeats are ignored)."""
        now = self._clock.now()
        rows = [
            {"incident_id": incident_id, "email": email, "shared_at": now} for email in sorted(set(emails))
        ]
        async with self._sessions.begin() as session:
            await insert_missing(session, DocumentShareRow.__table__, rows, "id")  # type: ignore[arg-type]

    async def _save(self, incident_id: int, kind: str, **values: Any) -> Document:
        """Insert or update the one row for (incident, kind); `updated_at` is when it last changed."""
        values["updated_at"] = self._clock.now()
        async with self._sessions.begin() as session:
            inserted = await insert_if_absent(
                session,
                DocumentRow.__table__,  # type: ignore[arg-type]
                {"incident_id": incident_id, "kind": kind, "external_id": None, "weblink": None, **values},
            )
            if not inserted:
                await session.execute(
                    update(DocumentRow)
                    .where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)
                    .values(**values)
                )
            row = await session.scalar(_row(incident_id, kind).execution_options(populate_existing=True))
            assert row is not None
            return document_from_row(row)


def _row(incident_id: int, kind: str) -> Any:
    return select(DocumentRow).where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)


def document_from_row(row: DocumentRow) -> Document:
    return Document(
        incident_id=row.incident_id,
        kind=row.kind,
        external_id=row.external_id,
        weblink=row.weblink,
        status=ResourceStatus(row.status),
        error=row.error,
    )
