"""Services over a migrated database on each backend (SQLite; PostgreSQL too with TEST_POSTGRES_URL):
their rules, through their public methods, with no bot and no Slack, so a broken rule shows up here
first, and fast, rather than only in an end-to-end test.

Fast because the migrations run once per session, not per test: each test gets a copy of a migrated
SQLite file, or the session's migrated PostgreSQL database with its rows deleted; the `database`
fixture's upgrade then finds nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from dispatchbot.domain import Incident
from dispatchbot.services.incidents import IncidentService
from dispatchbot.storage import migrate
from dispatchbot.storage.engine import Database, open_database
from dispatchbot.storage.tables import Base
from dispatchbot.testing.postgres import scratch_database
from tests.conftest import POSTGRES_URL_ENV
from tests.support.clocks import ManualClock
from tests.support.drafts import DRAFT


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "dispatchbot.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """The URL of a PostgreSQL database migrated once per session, dropped after it; None without one.
    (Creating and dropping a database takes a second or two each; emptying one takes a fraction.)"""
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        yield None
        return
    # One loop for the whole session (tests run in loops of their own), so the database made on
    # entering the scratch context is dropped by the same context on leaving it.
    with asyncio.Runner() as runner:
        scratch = contextlib.AsyncExitStack()
        url = runner.run(scratch.enter_async_context(scratch_database(server, "t_services")))
        try:
            runner.run(_migrate(url))
            yield url
        finally:
            runner.run(scratch.aclose())


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_database: str | None
) -> str:
    """A migrated database with no rows on each backend (overrides the empty, unmigrated one of tests/):
    a copy of the template on SQLite, the session's database emptied on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "dispatchbot.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    if postgres_database is None:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set (scripts/test runs PostgreSQL tests when it is)")
    await _empty(postgres_database)
    return postgres_database


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
def incidents(database: Database, clock: ManualClock) -> IncidentService:
    return IncidentService(database.sessions, clock)


@pytest.fixture
async def incident(incidents: IncidentService) -> Incident:
    """An open incident reported by U1, who is its commander too."""
    return await incidents.create("first", DRAFT, "U1", {})


async def _migrate(url: str) -> None:
    database = open_database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()  # on SQLite this also folds the WAL into the file that is copied


async def _empty(url: str) -> None:
    """Delete every row, children first; ids go on counting (DELETE is ~8x faster than TRUNCATE here)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()
