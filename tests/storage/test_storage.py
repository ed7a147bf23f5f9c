"""Storage behaves the same on SQLite and PostgreSQL: UTC timestamps, migrations matching the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from dispatchbot.storage import migrate
from dispatchbot.storage.engine import Database
from dispatchbot.storage.tables import Base, DeliveryRow


async def test_timestamps_round_trip_as_aware_utc(database: Database) -> None:
    moment = datetime(2026, 11, 23, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    async with database.sessions.begin() as session:
        session.add(DeliveryRow(key="k", received_at=moment))
    async with database.sessions.begin() as session:
        stored = await session.scalar(select(DeliveryRow.received_at))
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo == UTC


async def test_migrations_match_the_table_definitions(database: Database) -> None:
    def differences(connection: object) -> list[object]:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    assert await migrate.current_revision(database) == migrate.HEAD_REVISION


def test_head_revision_is_the_script_directorys_head() -> None:
    """A new migration must bump `HEAD_REVISION`, or start-up would skip it on current databases."""
    assert migrate.script_head() == migrate.HEAD_REVISION


async def test_upgrade_is_idempotent(database: Database) -> None:
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == migrate.HEAD_REVISION


async def test_sqlite_pragmas(database: Database) -> None:
    if database.dialect != "sqlite":
        return
    async with database.engine.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
