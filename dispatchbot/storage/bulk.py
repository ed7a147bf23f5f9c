"""Bulk reads and inserts for the alert intake's hot path, with SQLAlchemy's per-row machinery left out.

An intake batch reads and inserts a few dozen to a few thousand rows of 34 columns. Through compiled
statements, SQLAlchemy builds a parameter dict per row, looks every bind up by name, re-renders an
expanding `IN`, and (aiosqlite) crosses to the database thread three or four times per statement: at a
thousand alerts a second that was most of the intake's time, several times SQLite's own.

Here the statement text is built once per shape and dialect, values go through the very bind and result
processors SQLAlchemy would use (UTC datetimes, JSON documents), and the driver gets plain tuples. On
SQLite the statement goes straight to the aiosqlite connection, one crossing per statement; on
PostgreSQL through `exec_driver_sql`, so it runs in the session's transaction as asyncpg starts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, cast

import aiosqlite
from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

ROWS_PER_STATEMENT = 500
"""Rows (or `IN` values) in one statement: 500 rows of 34 columns stay under both SQLite's (32,766) and
PostgreSQL's (32,767) limits on parameters per statement."""

_Processors = tuple[tuple[int, Callable[[Any], Any]], ...]
"""(column position, processor) for the columns that have one."""


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert `rows` (every one with the same keys) into `table`; the `returning` columns of each
    inserted row, in no particular order (match them back by a unique column)."""
    if not rows:
        return []
    connection = await session.connection()
    dialect = connection.dialect
    columns = tuple(rows[0])
    processors, seen = _bind_processors(table, columns, dialect), _SeenValues()
    values = [seen.processed([row[name] for name in columns], processors) for row in rows]
    if not returning:
        await _execute_many(connection, _insert(table, columns, dialect, 1, ()), values)
        return []
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(values), ROWS_PER_STATEMENT):
        chunk = values[start : start + ROWS_PER_STATEMENT]
        statement = _insert(table, columns, dialect, len(chunk), tuple(returning))
        returned += await _fetch(connection, statement, [value for row in chunk for value in row])
    return returned


async def select_where_in(
    session: AsyncSession, table: Table, column: str, wanted: Sequence[Any], *, for_update: bool = False
) -> list[dict[str, Any]]:
    """Whole rows of `table` whose `column` is one of `wanted`, ordered by it; with `for_update`, locked
    until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
    connection = await session.connection()
    dialect = connection.dialect
    columns = _names(table)
    processors = _result_processors(table, dialect)
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), ROWS_PER_STATEMENT):
        chunk = list(wanted[start : start + ROWS_PER_STATEMENT])
        statement = _select(table, column, dialect, len(chunk), for_update and dialect.name != "sqlite")
        for row in await _fetch(connection, statement, chunk):
            found.append(dict(zip(columns, _processed(list(row), processors), strict=True)))
    return found


def _processed(values: list[Any], processors: _Processors) -> list[Any]:
    for index, process in processors:
        values[index] = process(values[index])
    return values


class _SeenValues(dict[tuple[int, Any], Any]):
    """Bind-processed values of one insert, by (column, value): the rows of a batch share most of them
    (the batch's one timestamp in five columns, empty JSON documents, None), and formatting a datetime
    or serialising JSON again for each row was most of the cost of building the rows. Only immutable
    values (and empty documents) are remembered; the processed ones are strings, shared safely."""

    def processed(self, values: list[Any], processors: _Processors) -> list[Any]:
        for index, process in processors:
            value = values[index]
            if value.__hash__ is None and value:  # a non-empty document: serialised for itself
                values[index] = process(value)
                continue
            key = (index, value if value.__hash__ is not None else type(value))
            try:
                values[index] = self[key]
            except KeyError:
                values[index] = self[key] = process(value)
        return values


async def _fetch(connection: AsyncConnection, statement: str, parameters: list[Any]) -> list[tuple[Any, ...]]:
    sqlite = await _aiosqlite(connection)
    if sqlite is not None:
        return [tuple(row) for row in await sqlite.execute_fetchall(statement, parameters)]
    return [tuple(row) for row in (await connection.exec_driver_sql(statement, tuple(parameters))).all()]


async def _execute_many(connection: AsyncConnection, statement: str, rows: list[list[Any]]) -> None:
    sqlite = await _aiosqlite(connection)
    if sqlite is not None:
        await sqlite.executemany(statement, rows)
    else:
        await connection.exec_driver_sql(statement, [tuple(row) for row in rows])


async def _aiosqlite(connection: AsyncConnection) -> aiosqlite.Connection | None:
    """The aiosqlite connection under `connection`, when it is one (it is in the session's transaction:
    pysqlite begins one before the first write, as it does for SQLAlchemy's own statements)."""
    if connection.dialect.name != "sqlite":
        return None
    return cast(aiosqlite.Connection, (await connection.get_raw_connection()).driver_connection)


@cache
def _bind_processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Processors:
    """What SQLAlchemy itself applies to a value on its way in (by column position)."""
    found = (
        (index, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for index, name in enumerate(columns)
    )
    return tuple((index, process) for index, process in found if process is not None)


@cache
def _result_processors(table: Table, dialect: Dialect) -> _Processors:
    """What SQLAlchemy itself applies to a column's value on its way out (by column position)."""
    found = (
        (index, column.type.dialect_impl(dialect).result_processor(dialect, None))
        for index, column in enumerate(table.c)
    )
    return tuple((index, process) for index, process in found if process is not None)


@cache
def _insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect, rows: int, returning: tuple[str, ...]
) -> str:
    quote = dialect.identifier_preparer.quote
    width = len(columns)
    values = ", ".join(_placeholders(dialect, row * width, width) for row in range(rows))
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) VALUES {values}"
    )
    if returning:
        statement += f" RETURNING {', '.join(quote(name) for name in returning)}"
    return statement


@cache
def _select(table: Table, column: str, dialect: Dialect, count: int, for_update: bool) -> str:
    quote = dialect.identifier_preparer.quote
    statement = (
        f"SELECT {', '.join(quote(name) for name in _names(table))} FROM {quote(table.name)} "
        f"WHERE {quote(column)} IN {_placeholders(dialect, 0, count)} ORDER BY {quote(column)}"
    )
    return statement + " FOR UPDATE" if for_update else statement


def _names(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.c)


def _placeholders(dialect: Dialect, offset: int, count: int) -> str:
    """`(?, ?, ...)` (aiosqlite) or `($n, $n+1, ...)` (asyncpg), for `count` parameters after `offset`."""
    if dialect.paramstyle == "qmark":
        return "(" + ", ".join("?" * count) + ")"
    if dialect.paramstyle == "numeric_dollar":
        return "(" + ", ".join(f"${offset + index + 1}" for index in range(count)) + ")"
    raise NotImplementedError(f"bulk statements in parameter style {dialect.paramstyle}")
