"""Catalog entry rows: the configured incident types, priorities and severities, as last seeded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatchbot.storage.tables import CatalogEntryRow

EntryKey = tuple[str, str]
"""(kind, name): the unique key of a catalog entry."""


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def mirror(self, wanted: dict[EntryKey, dict[str, Any]]) -> None:
        """Store exactly `wanted` as the enabled entries; others are disabled, not deleted, so old
        incidents keep their names."""
        existing = {(row.kind, row.name): row for row in await self._session.scalars(select(CatalogEntryRow))}
        for (kind, name), data in wanted.items():
            row = existing.get((kind, name))
            if row is None:
                self._session.add(CatalogEntryRow(kind=kind, name=name, data=data, enabled=True))
            else:
                row.data, row.enabled = data, True
        for key, row in existing.items():
            if key not in wanted:
                row.enabled = False
        await self._session.flush()
