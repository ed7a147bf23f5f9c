"""Mirror the configured catalog into the database at start-up (config stays the source of truth).

Entries removed from the config are disabled, not deleted, so old incidents keep their names.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.catalog import Catalog
from dispatchbot.storage.tables import CatalogEntryRow


async def seed_catalog(sessions: async_sessionmaker[AsyncSession], catalog: Catalog) -> None:
    wanted = (
        {("incident_type", entry.name): dataclasses.asdict(entry) for entry in catalog.incident_types}
        | {("priority", entry.name): dataclasses.asdict(entry) for entry in catalog.priorities}
        | {("severity", entry.name): dataclasses.asdict(entry) for entry in catalog.severities}
    )
    async with sessions.begin() as session:
        existing = {(row.kind, row.name): row for row in await session.scalars(select(CatalogEntryRow))}
        for key, data in wanted.items():
            plain = {name: getattr(value, "value", value) for name, value in data.items()}
            row = existing.get(key)
            if row is None:
                session.add(CatalogEntryRow(kind=key[0], name=key[1], data=plain, enabled=True))
            else:
                row.data, row.enabled = plain, True
        for key, row in existing.items():
            if key not in wanted:
                row.enabled = False
