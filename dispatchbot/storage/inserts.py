"""`INSERT ... ON CONFLICT DO NOTHING` on both backends, the primitive behind every idempotency key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, table: Table) -> Any:
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


async def insert_if_absent(session: AsyncSession, table: Table, values: dict[str, Any]) -> bool:
    """Insert the row unless a unique constraint already holds it; True when this call inserted it."""
    result = await session.execute(_insert(session, table).values(**values).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0) == 1)


async def insert_missing(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], key: str
) -> set[Any]:
    """Insert every row whose unique `key` is not stored yet; returns the keys this call inserted."""
    if not rows:
        return set()
    statement = _insert(session, table).values(rows).on_conflict_do_nothing().returning(table.c[key])
    return set((await session.execute(statement)).scalars())
