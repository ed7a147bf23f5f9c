"""Which replica runs the scheduler's leader-only jobs.

SQLite means one replica, which always leads. On PostgreSQL a dedicated connection holds a
session-level advisory lock: only one replica gets it, and it is released by PostgreSQL the moment
the holder's connection dies (a crash, kill -9, a lost network), so another replica, retrying every
few seconds, takes over. (Session locks need a direct connection, not PgBouncer's transaction mode.)
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from dispatchbot.logs import get_logger
from dispatchbot.storage.engine import Database
from dispatchbot.storage.leadership import ping, try_leader_lock, unlock_leader_lock

log = get_logger(__name__)

RELEASE_SECONDS = 5.0
"""How long giving the lock back may take before the connection is dropped instead."""


class Leadership(Protocol):
    @property
    def is_leader(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SingleReplica:
    """SQLite: this process is the only one, so it always leads."""

    is_leader = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class AdvisoryLockLeadership:
    def __init__(self, database: Database, retry_seconds: float) -> None:
        self._database = database
        self._retry = retry_seconds
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self._connection is not None

    async def start(self) -> None:
        await self._attempt()
        self._task = asyncio.create_task(self._keep(), name="scheduler-leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})  # (awaiting the task itself would hide our own cancel)
        await self._release()

    async def _keep(self) -> None:
        """Followers try to take the lock; the leader checks its connection still holds it."""
        while True:
            await asyncio.sleep(self._retry)
            if self._connection is None:
                await self._attempt()
            elif not await self._alive():
                log.warning("scheduler.leadership_lost")
                await self._release()

    async def _attempt(self) -> None:
        try:
            connection = await self._database.engine.connect()
        except Exception:
            log.warning("scheduler.leadership_unavailable", exc_info=True)
            return
        try:
            won = await try_leader_lock(connection)
            await connection.commit()
        except Exception:
            log.warning("scheduler.leadership_unavailable", exc_info=True)
            with contextlib.suppress(Exception):
                await connection.close()
            return
        if won:
            self._connection = connection
            log.info("scheduler.leader")
        else:
            await connection.close()

    async def _alive(self) -> bool:
        assert self._connection is not None
        try:
            await ping(self._connection)
            await self._connection.commit()
            return True
        except Exception:
            return False

    async def _release(self) -> None:
        """Unlock and close, bounded: against an unreachable server, drop the connection instead (the
        server frees a session lock when its connection goes)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            async with asyncio.timeout(RELEASE_SECONDS):
                await unlock_leader_lock(connection)
                await connection.commit()
                await connection.close()
        except Exception:
            with contextlib.suppress(Exception):
                await connection.invalidate()


def leadership_for(database: Database, retry_seconds: float) -> Leadership:
    if database.dialect == "postgresql":
        return AdvisoryLockLeadership(database, retry_seconds)
    return SingleReplica()
