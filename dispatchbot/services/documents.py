"""Incident resources in the documents provider: which exist, which failed (and why), who has access."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Document, ResourceStatus
from dispatchbot.storage.tables import DocumentRow


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


def document_from_row(row: DocumentRow) -> Document:
    return Document(
        incident_id=row.incident_id,
        kind=row.kind,
        external_id=row.external_id,
        weblink=row.weblink,
        status=ResourceStatus(row.status),
        error=row.error,
    )
