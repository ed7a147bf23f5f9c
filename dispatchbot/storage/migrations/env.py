"""Alembic environment: migrations always run on a connection handed in by `dispatchbot.storage.migrate`."""

from __future__ import annotations

from alembic import context

from dispatchbot.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `dispatchbot db upgrade`, which provides the connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
