"""Rows shown by a Slack message that is edited until it shows their latest state (alerts, cases).

Each such table has `version` (bumped by every change the message shows), `rendered_version` (what the
message shows) and `message_ts`: the message is behind while the first is ahead of the second.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession


async def behind(session: AsyncSession, table: Table, limit: int) -> list[dict[str, Any]]:
    """Posted rows whose message does not show their latest state, oldest first."""
    rows = await session.execute(
        select(table)
        .where(table.c.rendered_version < table.c.version, table.c.message_ts.is_not(None))
        .order_by(table.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


async def shown(session: AsyncSession, table: Table, row_id: int, version: int) -> None:
    """The message of `row_id` now shows `version` (never going back: an older edit may finish last)."""
    await session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.rendered_version < version)
        .values(rendered_version=version)
    )
