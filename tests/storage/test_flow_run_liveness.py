"""Which runs are free to take: a dead holder's at once, a live holder's never (until its lease lapses).

SQLite is single-replica, so a starting process takes over every other owner's lease. On PostgreSQL a
holder is alive while its session advisory lock is held; a test "kills" a holder by terminating the
backend that holds the lock, which is what PostgreSQL sees when the process is `kill -9`ed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from dispatchbot.clock import Clock, SystemClock
from dispatchbot.services.flow_runs import FlowRunService, LeaseLost
from dispatchbot.storage.engine import Database
from dispatchbot.storage.liveness import (
    LOCK_CLASS,
    SIGNAL_TAG,
    AdvisoryLockLiveness,
    Liveness,
    SingleReplica,
    liveness_for,
)
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

LEASE = 30.0
NO_SIGNAL = SingleReplica()
"""For owners that hold no lock in these tests (dead ones, older versions): it signals nothing."""


@pytest.fixture
async def started() -> AsyncIterator[list[Liveness]]:
    """Liveness signals a test starts; all are stopped at teardown."""
    signals: list[Liveness] = []
    yield signals
    for signal in signals:
        await signal.stop()


async def _replica(
    database: Database,
    started: list[Liveness],
    name: str,
    *,
    check_seconds: float = 3600.0,
    grace_seconds: float = LEASE,
    clock: Clock | None = None,
) -> FlowRunService:
    """A process of this version: its owner carries the signal tag, and it holds its lock."""
    owner = name + SIGNAL_TAG
    liveness = liveness_for(database, owner, check_seconds=check_seconds, grace_seconds=grace_seconds)
    await liveness.start()
    started.append(liveness)
    return FlowRunService(database.sessions, clock or SystemClock(), owner, LEASE, liveness)


async def _held_run(service: FlowRunService, key: str) -> int:
    run, _created = await service.open("probe", key, {})
    assert await service.claim(run.id) is not None
    return run.id


async def _kill(database: Database, name: str) -> None:
    """End the session holding `name`'s lock, as PostgreSQL does when that process dies (waits for it)."""
    async with database.engine.connect() as connection:
        killed = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = :class AND objid = hashtext(:owner)::oid AND objsubid = 2"
            ),
            {"class": LOCK_CLASS, "owner": name + SIGNAL_TAG},
        )
    assert killed == 1


async def _holder(database: Database, name: str) -> int | None:
    """The server process (pid) holding `name`'s lock, if any."""
    async with database.engine.connect() as connection:
        return await connection.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :class"
                " AND objid = hashtext(:owner)::oid AND objsubid = 2 AND granted"
            ),
            {"class": LOCK_CLASS, "owner": name + SIGNAL_TAG},
        )


def _needs_postgres(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("liveness between replicas is PostgreSQL's; SQLite is single-replica by design")


async def test_a_live_holders_run_is_not_free_and_a_starting_sole_replica_takes_every_lease(
    database: Database, started: list[Liveness]
) -> None:
    holder = await _replica(database, started, "holder")
    run_id = await _held_run(holder, "k1")
    newcomer = await _replica(database, started, "newcomer")
    assert await newcomer.resumable() == []
    assert await newcomer.claim(run_id) is None

    taken = await newcomer.take_over_leases()
    if database.dialect == "sqlite":  # the holder can only be a dead process: take its lease now
        assert taken == 1
        assert await newcomer.resumable() == [run_id]
        claimed = await newcomer.claim(run_id)
        assert claimed is not None
        assert claimed.lease_owner == "newcomer" + SIGNAL_TAG
    else:  # replicas: the holder is alive (its lock is held), so its run stays its own
        assert taken == 0
        assert await newcomer.resumable() == []


async def test_a_dead_holders_run_is_free_at_once_and_the_dead_one_is_fenced_out(
    database: Database, started: list[Liveness]
) -> None:
    _needs_postgres(database)
    crashed = await _replica(database, started, "crashed")
    run_id = await _held_run(crashed, "k2")
    survivor = await _replica(database, started, "survivor")
    assert await survivor.resumable() == []

    await _kill(database, "crashed")
    assert await survivor.resumable() == [run_id]  # its lease still has ~30 s to go
    claimed = await survivor.claim(run_id)
    assert claimed is not None
    assert claimed.lease_owner == "survivor" + SIGNAL_TAG
    assert await survivor.resumable() == []  # the survivor is alive: its run is taken
    with pytest.raises(LeaseLost):
        await crashed.record(run_id, {"late": True})


async def test_only_owners_tagged_as_signalling_are_judged_by_their_lock(
    database: Database, started: list[Liveness]
) -> None:
    _needs_postgres(database)
    older = FlowRunService(database.sessions, SystemClock(), "older-version", LEASE, NO_SIGNAL)  # no tag
    older_run = await _held_run(older, "k3")
    vanished = FlowRunService(database.sessions, SystemClock(), "vanished" + SIGNAL_TAG, LEASE, NO_SIGNAL)
    vanished_run = await _held_run(vanished, "k3b")  # tagged, yet its lock is nowhere: it died
    survivor = await _replica(database, started, "survivor")
    assert await survivor.resumable() == [vanished_run]
    assert older_run not in await survivor.resumable()  # it may be alive: its lease decides


async def test_the_lease_stays_the_fallback_for_a_live_but_wedged_holder(
    database: Database, started: list[Liveness]
) -> None:
    _needs_postgres(database)
    clock = ManualClock()
    wedged = await _replica(database, started, "wedged", clock=clock)
    run_id = await _held_run(wedged, "k4")
    other = await _replica(database, started, "other", clock=clock)
    assert await other.resumable() == []
    clock.advance(seconds=LEASE + 1)  # alive, but it has not renewed its lease
    assert await other.resumable() == [run_id]


async def test_a_lost_lock_is_taken_again_and_others_are_judged_by_leases_meanwhile(
    database: Database, started: list[Liveness]
) -> None:
    _needs_postgres(database)
    blinking = await _replica(database, started, "blinking", check_seconds=0.05, grace_seconds=3600)
    run_id = await _held_run(blinking, "k5")
    dead = FlowRunService(database.sessions, SystemClock(), "dead" + SIGNAL_TAG, LEASE, NO_SIGNAL)
    dead_run = await _held_run(dead, "k6")
    assert await blinking.resumable() == [dead_run]

    first_session = await _holder(database, "blinking")
    await _kill(database, "blinking")  # say the database restarted: every lock went at once

    async def taken_again() -> bool:
        return await _holder(database, "blinking") not in (None, first_session)

    await eventually(taken_again, within=5, what="the lock to be taken again")
    liveness = blinking.liveness
    assert isinstance(liveness, AdvisoryLockLiveness)
    other = await _replica(database, started, "other")
    assert await other.resumable() == [dead_run]  # the blinking replica is alive again: not its run
    assert run_id not in await other.resumable()
    # Within its grace period the blinking replica trusts nobody's absence (others may still be
    # reconnecting), so it takes only runs whose leases lapsed.
    assert not liveness.judges_others
    assert await blinking.resumable() == []


async def test_a_graceful_stop_releases_the_lock(database: Database, started: list[Liveness]) -> None:
    _needs_postgres(database)
    leaving = await _replica(database, started, "leaving")
    assert await _holder(database, "leaving") is not None
    await leaving.liveness.stop()
    assert await _holder(database, "leaving") is None
