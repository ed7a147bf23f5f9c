"""Incident resources in the documents provider (one row per incident and kind) and the emails they
are shared with. Flush, never commit: services own transactions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from dispatchbot.domain import Document, ResourceStatus, Status
from dispatchbot.storage.inserts import insert_if_absent, insert_missing
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import DocumentRow, DocumentShareRow, IncidentRow


class DocumentRepository(Repository):
    async def for_incident(self, incident_id: int) -> list[Document]:
        """The incident's resources in the order they were made."""
        rows = await self._session.scalars(
            select(DocumentRow).where(DocumentRow.incident_id == incident_id).order_by(DocumentRow.id)
        )
        return [_to_domain(row) for row in rows]

    async def get(self, incident_id: int, kind: str) -> Document | None:
        row = await self._session.scalar(_row(incident_id, kind))
        return _to_domain(row) if row is not None else None

    async def save(
        self,
        incident_id: int,
        kind: str,
        *,
        status: ResourceStatus,
        error: str | None,
        now: datetime,
        external_id: str | None = None,
        weblink: str | None = None,
    ) -> Document:
        """Insert or update the one row for (incident, kind), `updated_at` now; a file (`external_id`,
        `weblink`) not given is kept as known."""
        changes: dict[str, Any] = {"status": status.value, "error": error, "updated_at": now}
        if external_id is not None:
            changes["external_id"] = external_id
        if weblink is not None:
            changes["weblink"] = weblink
        values = {"incident_id": incident_id, "kind": kind, "external_id": None, "weblink": None, **changes}
        if not await insert_if_absent(self._session, DocumentRow.__table__, values):
            await self._session.execute(
                update(DocumentRow)
                .where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)
                .values(**changes)
            )
        row = await self._session.scalar(_row(incident_id, kind).execution_options(populate_existing=True))
        assert row is not None  # inserted or updated just above, in this transaction
        return _to_domain(row)

    async def last_failure_at(self, incident_id: int) -> datetime | None:
        """When the incident's latest failed resource failed; None when nothing is failed."""
        return await self._session.scalar(
            select(func.max(DocumentRow.updated_at)).where(
                DocumentRow.incident_id == incident_id,
                DocumentRow.status == ResourceStatus.FAILED.value,
            )
        )

    async def ready_of_open_incidents(self) -> list[tuple[Document, datetime, datetime | None]]:
        """(resource, when it last changed, when it was last synced) of every ready resource of an
        active or stable incident, by incident."""
        rows = await self._session.scalars(
            select(DocumentRow)
            .join(IncidentRow, IncidentRow.id == DocumentRow.incident_id)
            .where(
                DocumentRow.status == ResourceStatus.READY.value,
                IncidentRow.status.in_([Status.ACTIVE.value, Status.STABLE.value]),
            )
            .order_by(DocumentRow.incident_id, DocumentRow.id)
        )
        return [(_to_domain(row), row.updated_at, row.synced_at) for row in rows]

    async def mark_synced(self, incident_id: int, kind: str, at: datetime) -> None:
        await self._session.execute(
            update(DocumentRow)
            .where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)
            .values(synced_at=at)
        )

    async def shared_emails(self, incident_id: int) -> set[str]:
        emails = await self._session.scalars(
            select(DocumentShareRow.email).where(DocumentShareRow.incident_id == incident_id)
        )
        return set(emails)

    async def add_shares(self, incident_id: int, emails: Iterable[str], now: datetime) -> None:
        """Remember these emails as shared with (those remembered already are left as they are)."""
        rows = [
            {"incident_id": incident_id, "email": email, "shared_at": now} for email in sorted(set(emails))
        ]
        await insert_missing(self._session, DocumentShareRow.__table__, rows, "id")


def _row(incident_id: int, kind: str) -> Select[DocumentRow]:
    return select(DocumentRow).where(DocumentRow.incident_id == incident_id, DocumentRow.kind == kind)


def _to_domain(row: DocumentRow) -> Document:
    return Document(
        incident_id=row.incident_id,
        kind=row.kind,
        external_id=row.external_id,
        weblink=row.weblink,
        status=ResourceStatus(row.status),
        error=row.error,
    )
