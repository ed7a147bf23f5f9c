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

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Document, ResourceStatus
from dispatchbot.storage.documents import DocumentRepository

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
            return await DocumentRepository(session).for_incident(incident_id)

    async def get(self, incident_id: int, kind: str) -> Document | None:
        async with self._sessions() as session:
            return await DocumentRepository(session).get(incident_id, kind)

    async def mark_started(self, incident_id: int, kind: str, external_id: str, weblink: str) -> Document:
        """The file exists (copied) but is not usable yet: remembered so nobody copies it again."""
        return await self._save(
            incident_id,
            kind,
            status=ResourceStatus.FAILED,
            error=NOT_FINISHED,
            external_id=external_id,
            weblink=weblink,
        )

    async def mark_ready(self, incident_id: int, kind: str, external_id: str, weblink: str) -> Document:
        return await self._save(
            incident_id,
            kind,
            status=ResourceStatus.READY,
            error=None,
            external_id=external_id,
            weblink=weblink,
        )

    async def mark_failed(self, incident_id: int, kind: str, error: str) -> Document:
        """Failed (shown with a Retry button); a file id already known is kept for the retry."""
        return await self._save(incident_id, kind, status=ResourceStatus.FAILED, error=error)

    async def last_failure_at(self, incident_id: int) -> datetime | None:
        """When the incident's latest failed resource failed; None when nothing is failed."""
        async with self._sessions() as session:
            return await DocumentRepository(session).last_failure_at(incident_id)

    async def sync_targets(self) -> list[SyncTarget]:
        """Ready resources of active and stable incidents: what the periodic sync shares and reads."""
        async with self._sessions() as session:
            found = await DocumentRepository(session).ready_of_open_incidents()
        return [SyncTarget(document, made_at, synced_at) for document, made_at, synced_at in found]

    async def mark_synced(self, incident_id: int, kind: str, at: datetime) -> None:
        async with self._sessions.begin() as session:
            await DocumentRepository(session).mark_synced(incident_id, kind, at)

    async def shared_emails(self, incident_id: int) -> set[str]:
        async with self._sessions() as session:
            return await DocumentRepository(session).shared_emails(incident_id)

    async def add_shares(self, incident_id: int, emails: Iterable[str]) -> None:
        """Remember that the incident's resources are shared with these people (repeats are ignored)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await DocumentRepository(session).add_shares(incident_id, emails, now)

    async def _save(
        self,
        incident_id: int,
        kind: str,
        *,
        status: ResourceStatus,
        error: str | None,
        external_id: str | None = None,
        weblink: str | None = None,
    ) -> Document:
        """Insert or update the one row for (incident, kind); `updated_at` is when it last changed."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            return await DocumentRepository(session).save(
                incident_id,
                kind,
                status=status,
                error=error,
                now=now,
                external_id=external_id,
                weblink=weblink,
            )
