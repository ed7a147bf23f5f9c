"""Alembic migrations shipped inside the package, run on a connection we already hold.

Running on the caller's connection (instead of Alembic's own `asyncio.run`) lets `dispatchbot run`
upgrade inside its event loop. On PostgreSQL a transaction-level advisory lock serialises replicas
that start at the same moment, so only one of them applies a revision.

Alembic (with Mako and Pygments behind it) costs about 100 ms to import, paid on every restart while a
reporter may be waiting on a resumed run. A start whose schema is already current never needs it: the
revision is read with one plain query and compared with `HEAD_REVISION`, and Alembic is imported only
to upgrade or to inspect the script directory.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from dispatchbot.storage.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

HEAD_REVISION = "0009"
"""The newest revision this release ships; a test holds it equal to the script directory's head."""
_VERSION_TABLE = "alembic_version"
_MIGRATION_LOCK_KEY = 0x64697370  # "disp"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("dispatchbot.storage") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Upgrade to ``revision``; `SchemaFromNewerRelease` when a newer release migrated the database."""
    from alembic import command

    refuse_newer(await current_revision(database))

    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def current_revision(database: Database) -> str | None:
    """The schema's revision, None for an empty database (Alembic's version table is made by the first
    upgrade). Our history is linear, so the table holds at most one row."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(_read_revision)


def _read_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(_VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalar_one_or_none()


def script_head() -> str | None:
    """The head of the shipped script directory, read by Alembic: the truth `HEAD_REVISION` mirrors."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaFromNewerRelease(Exception):
    """The database was migrated by a newer dispatchbot: this release cannot read it, nor downgrade it
    (it does not ship the newer migrations), so it must not start on it."""

    def __init__(self, revision: str) -> None:
        from dispatchbot import __version__

        super().__init__(
            f"its schema is at revision {revision}, written by a newer dispatchbot than this one "
            f"({__version__}, schema {HEAD_REVISION}) — upgrade dispatchbot, or use another database"
        )


def refuse_newer(revision: str | None) -> None:
    """Raise `SchemaFromNewerRelease` when ``revision`` is one this release does not ship."""
    if revision is not None and revision != HEAD_REVISION and not is_known(revision):
        raise SchemaFromNewerRelease(revision)


def is_known(revision: str) -> bool:
    """Whether this release ships `revision` (False for one made by a newer release)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
