"""The scheduler leader's PostgreSQL advisory lock: the statements behind `scheduler/leader.py`.

A session-level lock, so each call runs on the leader's own dedicated connection; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

LEADER_LOCK_KEY = 0x64697370_6C656164  # "disp" "lead"


async def try_leader_lock(connection: AsyncConnection) -> bool:
    """Take the lock unless another connection holds it; True when this connection now holds it."""
    return bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}))


async def ping(connection: AsyncConnection) -> None:
    """A round trip that fails when the connection (and so the lock it holds) is gone."""
    await connection.execute(text("SELECT 1"))


async def unlock_leader_lock(connection: AsyncConnection) -> None:
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
