"""Engine and session factory for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL")


@dataclass(frozen=True)
class Database:
    """The engine plus the session factory every service uses (one transaction per service method)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (used by /healthz)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(url: str) -> Database:
    """Create the engine; nothing connects until first use.

    `hide_parameters`: a statement's parameters (incident titles, descriptions) stay out of its
    exceptions' text, which reaches logs at ERROR, and out of the SQL echo at DEBUG.
    """
    options: dict[str, Any] = {"hide_parameters": True}
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        options["connect_args"] = {"timeout": 30}
    else:
        options.update(pool_size=5, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **options)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Database(engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False))


class NoDatabase(Exception):
    """A SQLite file that is not there: opening it would create it, which a read-only command must not."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def open_existing_database(url: str) -> Database:
    """`open_database` for commands that only look: raises `NoDatabase` instead of creating a SQLite file."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise NoDatabase(path.absolute())
    return open_database(url)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") == "true":  # sqlite:///file:x.db?uri=true&mode=ro
        if parsed.query.get("mode") == "memory":
            return None
        return Path(parsed.database.removeprefix("file:"))
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
