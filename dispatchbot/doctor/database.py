"""The database check: reachable, its server version, and its schema revision against this release's.

Doctor changes nothing: it runs no migration, and a SQLite file that is not there is reported, never
created (connecting to it would create an empty one and hide the mistake).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from dispatchbot.config import Settings
from dispatchbot.doctor.results import CheckResult, failed, guarded, passed
from dispatchbot.storage import migrate
from dispatchbot.storage.engine import open_database

CHECK = "database"
UPGRADE_FIX = (
    "run `dispatchbot db upgrade` (`dispatchbot run` also upgrades at start while "
    "database.migrate_on_start is on)"
)
URL_FORMS = "sqlite:///PATH.db or postgresql://USER:PASSWORD@HOST:PORT/NAME"
PRODUCTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


async def database_check(settings: Settings, deadline: float) -> CheckResult:
    url = settings.database.url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return failed(CHECK, "database.url is not a database URL", f"use {URL_FORMS}")
    shown = parsed.render_as_string(hide_password=True)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return failed(
            CHECK,
            f"the SQLite file {missing} does not exist",
            "run `dispatchbot db upgrade` here to create it, or point database.url at the existing file",
        )
    return await guarded(
        CHECK,
        _inspect(url, shown),
        deadline=deadline,
        fix=f"check database.url ({shown}) and that the server is up and reachable from this host",
    )


async def _inspect(url: str, shown: str) -> CheckResult:
    try:
        database = open_database(url)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        return failed(CHECK, f"database.url cannot be used ({exc})", f"use {URL_FORMS}")
    try:
        revision = await migrate.current_revision(database)
        version = database.engine.dialect.server_version_info or ()
    except (OSError, SQLAlchemyError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        return failed(
            CHECK,
            f"cannot use {shown} ({type(reason).__name__}: {reason})",
            "check database.url, its credentials, and that the server is up and reachable from this host",
        )
    finally:
        await database.dispose()
    product = f"{PRODUCTS.get(database.dialect, database.dialect)} {'.'.join(map(str, version))}".strip()
    head = migrate.HEAD_REVISION
    if revision is None:
        return failed(CHECK, f"{product}: no schema yet (the database is empty)", UPGRADE_FIX)
    if revision == head:
        return passed(CHECK, f"{product}, schema up to date ({head})")
    if not migrate.is_known(revision):
        return failed(
            CHECK,
            f"{product}: schema at {revision}, which this release does not know (a newer dispatchbot "
            "migrated it)",
            "run the dispatchbot release that migrated it (upgrading never needs a downgrade)",
        )
    return failed(CHECK, f"{product}: schema at {revision}, behind this release's {head}", UPGRADE_FIX)


def _missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite database file that does not exist; None for other databases and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = (parsed.database or "").removeprefix("file:")
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return None if Path(database).exists() else database
