"""Database URLs as operators write them: completed to the async driver we ship, and their password
found (for log redaction) or hidden (for `dispatchbot config show`) without echoing it anywhere."""

from __future__ import annotations

DATABASE_URL_FORMS = "sqlite:///PATH.db or postgresql://USER:PASSWORD@HOST:PORT/NAME"
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",  # Heroku's and many platforms' DATABASE_URL
}


def normalise_database_url(value: str) -> str:
    """The URL with the async driver we ship, whichever of the usual spellings an operator pasted.

    Platforms hand out `postgres://…?sslmode=require` and people copy `sqlite:///x.db` from
    SQLAlchemy's docs; both name a database we support, so they are completed, not refused.
    asyncpg takes libpq's `sslmode` values under the name `ssl`. Messages never echo the URL,
    which may hold a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL — use {DATABASE_URL_FORMS}") from None
    backend, _, driver = url.drivername.partition("+")
    target = _ASYNC_DRIVERS.get(backend)
    if target is None:
        raise ValueError(f"unsupported database {backend!r} — use {DATABASE_URL_FORMS}")
    if driver and driver != target.partition("+")[2]:
        raise ValueError(f"driver {driver!r} is not supported — use {target}:// or just {backend}://")
    libpq_ssl = target == "postgresql+asyncpg" and "sslmode" in url.query
    if url.drivername == target and not libpq_ssl:
        return value
    url = url.set(drivername=target)
    if libpq_ssl:
        mode = url.query["sslmode"]
        url = url.difference_update_query(["sslmode"])
        if "ssl" not in url.query:
            url = url.update_query_dict({"ssl": mode})
    return url.render_as_string(hide_password=False)


def database_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
