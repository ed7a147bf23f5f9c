"""Whether the process that holds a flow run's lease is still alive, so a dead one's runs resume at once.

A lease alone cannot tell a dead holder from a slow one, so a crashed process's runs used to wait for
its lease to lapse. The signal here dies with the process instead:

- SQLite is single-replica by design: while this process runs no other one does, so at start-up every
  lease another owner holds is a dead process's (see `FlowRunService.take_over_leases`).
- PostgreSQL: each process holds a session-level advisory lock keyed by its owner string, on a
  connection of its own kept for its lifetime. PostgreSQL drops the lock the moment that connection
  dies (crash, `kill -9`, OOM kill), so a run whose owner's lock nobody holds is resumable at once,
  whatever its `lease_until` says (`owner_gone`). The lease stays the fallback: for a host that vanished
  without closing its sockets (PostgreSQL notices only by TCP keepalive), and for a process whose event
  loop is wedged but whose connection lives on.

When the lock connection drops while the process lives (the database restarted, the network blipped),
the keeper takes the lock again within `check_seconds`. A database restart drops every replica's lock at
once and they come back one by one, so after re-taking its own lock a replica trusts nobody's absence
for one grace period (the lease) and goes by leases alone: a live replica is never judged dead just
because it reconnected later. A replica that was really cut off may lose its runs to another meanwhile;
the lease-owner fencing on every write stops it from recording over them.

Only owners named by `owner_name` (ending in SIGNAL_TAG) are judged by their lock. An owner without
the tag shows no signal, for instance a replica of a version before these locks during a rolling
upgrade: its runs wait for its lease, as they always did, instead of being taken from a live process.

Session locks need a direct connection, not PgBouncer's transaction pooling (the scheduler leader
lock has the same need).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, cast, column, func, select, table, text
from sqlalchemy.dialects.postgresql import OID
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatchbot.logs import get_logger
from dispatchbot.storage.engine import Database

log = get_logger(__name__)

LOCK_CLASS = 0x64697372  # "disr": the first key of every owner's lock; the second is hashtext(owner)
"""pg_advisory_lock(int4, int4) shows in pg_locks as classid=key1, objid=key2, objsubid=2, so it cannot
collide with the scheduler leader's single bigint key (objsubid=1)."""

SIGNAL_TAG = "+live"
"""Ends the owner string of every process that holds its liveness lock while it runs."""

_PG_LOCKS = table(
    "pg_locks",
    column("locktype"),
    column("database"),
    column("classid"),
    column("objid"),
    column("objsubid"),
    column("granted"),
)
_PG_DATABASE = table("pg_database", column("oid"), column("datname"))


class Liveness(Protocol):
    @property
    def sole_replica(self) -> bool:
        """True when no other process can be alive (SQLite): every other owner's lease is a dead one's."""

    @property
    def judges_others(self) -> bool:
        """True when other owners' liveness can be trusted right now (`owner_gone` may be used)."""

    async def start(self) -> None:
        """Show this process alive; before it claims any run."""

    async def stop(self) -> None:
        """Stop showing it; after its leases were handed back."""


class SingleReplica:
    """SQLite: this is the only process, so it needs no signal; at start-up it takes over every lease."""

    sole_replica = True
    judges_others = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class AdvisoryLockLiveness:
    """PostgreSQL: a session advisory lock keyed by the owner, held on a dedicated connection."""

    sole_replica = False

    def __init__(self, database: Database, owner: str, *, check_seconds: float, grace_seconds: float) -> None:
        self._database = database
        self._owner = owner
        self._check = check_seconds
        self._grace = grace_seconds
        self._connection: AsyncConnection | None = None
        self._trusted_from = 0.0
        self._failing = False
        self._task: asyncio.Task[None] | None = None

    @property
    def judges_others(self) -> bool:
        return self._connection is not None and asyncio.get_running_loop().time() >= self._trusted_from

    async def start(self) -> None:
        await self._acquire(grace=0.0)
        self._task = asyncio.create_task(self._keep(), name="flow-run-liveness")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:class, hashtext(:owner))"),
                    {"class": LOCK_CLASS, "owner": self._owner},
                )
                await connection.commit()
            await _close(connection)

    async def _keep(self) -> None:
        """Check the lock's connection every `check_seconds`; when it died, take the lock again."""
        while True:
            await asyncio.sleep(self._check)
            if self._connection is not None:
                if await self._alive(self._connection):
                    continue
                log.warning("flow_runs.liveness_lost")
                connection, self._connection = self._connection, None
                await _close(connection)
            await self._acquire(grace=self._grace)

    async def _acquire(self, grace: float) -> None:
        """Take the lock on a connection of its own; a failure is logged once until the lock is held."""
        connection: AsyncConnection | None = None
        problem: str | None = None
        try:
            connection = await self._database.engine.connect()
            if not await connection.scalar(
                text("SELECT pg_try_advisory_lock(:class, hashtext(:owner))"),
                {"class": LOCK_CLASS, "owner": self._owner},
            ):
                problem = "held by another session"  # our old one, not yet reaped by the server
            await connection.commit()
        except Exception as exc:
            problem = type(exc).__name__
        if problem is not None:
            if connection is not None:
                await _close(connection)
            if not self._failing:
                log.warning("flow_runs.liveness_unavailable", error=problem)
            self._failing = True
            return
        self._connection = connection
        self._failing = False
        self._trusted_from = asyncio.get_running_loop().time() + grace
        if grace:
            log.info("flow_runs.liveness_restored", trusted_in_seconds=grace)

    @staticmethod
    async def _alive(connection: AsyncConnection) -> bool:
        try:
            await connection.execute(text("SELECT 1"))
            await connection.commit()
            return True
        except Exception:
            return False


async def _close(connection: AsyncConnection) -> None:
    """Close a connection that may already be dead (closing it then fails, which changes nothing)."""
    with contextlib.suppress(Exception):
        await connection.close()


def owner_name(host: str, pid: int, token: str) -> str:
    """A process's owner string for leases and claims: unique, readable, and tagged as showing its
    liveness (every process of this version holds its lock while it runs)."""
    return f"{host}:{pid}:{token}{SIGNAL_TAG}"


def owner_gone(owner: SQLColumnExpression[str | None]) -> ColumnElement[bool]:
    """SQL (PostgreSQL): `owner` shows liveness, and no session of this database holds its lock, so its
    process died.

    The set of held locks is one uncorrelated subquery, which PostgreSQL hashes once per statement.
    Owners are compared by hashtext, 32 bits: a dead owner colliding with a live one only waits for
    its lease, as before.
    """
    current_database = select(_PG_DATABASE.c.oid).where(_PG_DATABASE.c.datname == func.current_database())
    held = select(_PG_LOCKS.c.objid).where(
        and_(
            _PG_LOCKS.c.locktype == "advisory",
            _PG_LOCKS.c.database == current_database.scalar_subquery(),
            _PG_LOCKS.c.classid == LOCK_CLASS,
            _PG_LOCKS.c.objsubid == 2,
            _PG_LOCKS.c.granted.is_(True),
        )
    )
    return and_(owner.endswith(SIGNAL_TAG), cast(func.hashtext(owner), OID).not_in(held))


def liveness_for(database: Database, owner: str, *, check_seconds: float, grace_seconds: float) -> Liveness:
    if database.dialect == "postgresql":
        return AdvisoryLockLiveness(database, owner, check_seconds=check_seconds, grace_seconds=grace_seconds)
    return SingleReplica()
