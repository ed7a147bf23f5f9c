"""`INSERT ... ON CONFLICT DO NOTHING` on both backends, the primitive behind every idempotency key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, table: FromClause) -> Any:
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


async def insert_if_absent(session: AsyncSession, table: FromClause, values: dict[str, Any]) -> bool:
    """Insert the row unless a unique constraint already holds it; True when this call inserted it.

    `table` is a `FromClause` because that is how SQLAlchemy types a mapped class's `__table__`, so
    callers pass `XRow.__table__` as is.
    """
    result = await session.execute(_insert(session, table).values(**values).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0) == 1)


async def insert_missing(
    session: AsyncSession, table: FromClause, rows: list[dict[str, Any]], key: str
) -> set[Any]:
    """Insert every row whose unique `key` is not stored yet; returns the keys this call inserted."""
    if not rows:
        return set()
    statement = _insert(session, table).values(rows).on_conflict_do_nothing().returning(table.c[key])
    return set((await session.execute(statement)).scalars())


async def insert_or_update(
    session: AsyncSession, table: FromClause, rows: list[dict[str, Any]], keys: list[str], update: list[str]
) -> None:
    """Insert `rows`; where one's `keys` are stored already, set its `update` columns instead."""
    if not rows:
        return
    statement = _insert(session, table).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    )
