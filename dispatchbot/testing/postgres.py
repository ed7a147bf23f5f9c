"""A throwaway database on a PostgreSQL server, for tests and benchmarks that need a real one.

Each gets its own database, created empty and dropped afterwards (forcibly: a crashed bot may still
hold connections), so runs never see each other's rows and need no clean-up between them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str = "scratch") -> AsyncIterator[str]:
    """The URL of a new empty database on the server `server_url` points at, for SQLAlchemy's asyncpg
    driver (whichever driver `server_url` names); the database is dropped on exit."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(server_url: str, statement: str) -> None:
    """Run one statement on the server's own database (CREATE/DROP DATABASE cannot run in a
    transaction, so this is a plain connection, not SQLAlchemy)."""
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
