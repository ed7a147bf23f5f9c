"""Mirror the configured catalog into the database at start-up (config stays the source of truth).

Entries removed from the config are disabled, not deleted, so old incidents keep their names.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.catalog import Catalog
from dispatchbot.storage.catalog import CatalogRepository


async def seed_catalog(sessions: async_sessionmaker[AsyncSession], catalog: Catalog) -> None:
    wanted = (
        {("incident_type", entry.name): dataclasses.asdict(entry) for entry in catalog.incident_types}
        | {("priority", entry.name): dataclasses.asdict(entry) for entry in catalog.priorities}
        | {("severity", entry.name): dataclasses.asdict(entry) for entry in catalog.severities}
    )
    plain = {
        key: {name: getattr(value, "value", value) for name, value in data.items()}
        for key, data in wanted.items()
    }
    async with sessions.begin() as session:
        await CatalogRepository(session).mirror(plain)
