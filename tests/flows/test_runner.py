"""Durable flow runs: steps run once, in order, survive a crash, retry, and fail loudly."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from dispatchbot.clock import SystemClock
from dispatchbot.domain import FlowRun, RunStatus
from dispatchbot.errors import UserFacingError
from dispatchbot.flows.run_models import RunArgs, RunState
from dispatchbot.flows.runner import Flow, FlowRunner, RunContext, Step
from dispatchbot.metrics import Metrics
from dispatchbot.services.flow_runs import FlowRunService
from dispatchbot.storage.engine import Database
from dispatchbot.storage.liveness import LOCK_CLASS, Liveness, SingleReplica, liveness_for, owner_name
from tests.support.waiting import eventually, eventually_value


@dataclass
class World:
    """Stands in for the outside world a flow acts on: it records every side effect."""

    effects: list[str] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class ProbeArgs(RunArgs):
    n: int
    refuse: bool = False
    wait: bool = False


class ProbeState(RunState):
    first_done: bool = False


ProbeContext = RunContext[World, ProbeArgs, ProbeState]


async def first(ctx: ProbeContext) -> None:
    if ctx.state.first_done:
        return
    ctx.deps.effects.append(f"first:{ctx.args.n}")
    await ctx.record(first_done=True)


async def second(ctx: ProbeContext) -> None:
    remaining = ctx.deps.failures_left.get("second", 0)
    if remaining:
        ctx.deps.failures_left["second"] = remaining - 1
        raise ConnectionError("slack is flaky")
    if ctx.args.refuse:
        raise UserFacingError("That channel name is reserved.")
    if ctx.args.wait:
        await ctx.deps.release.wait()
    ctx.deps.effects.append(f"second:{ctx.args.n}")


STEPS = (Step("first", first), Step("second", second))
FLOW = Flow[World, ProbeArgs, ProbeState]("probe", ProbeArgs, ProbeState, STEPS, title="Probing")


def _runner(
    database: Database,
    world: World,
    owner: str = "test-owner",
    lease: float = 30.0,
    liveness: Liveness | None = None,
) -> FlowRunner[World]:
    service = FlowRunService(database.sessions, SystemClock(), owner, lease, liveness or SingleReplica())
    runner: FlowRunner[World] = FlowRunner(
        service, Metrics(), max_attempts=3, backoff_seconds=0.0, lease_seconds=lease
    )
    runner.bind(world)
    runner.register(FLOW)
    return runner


def _notices(runner: FlowRunner[World]) -> list[str]:
    """The failure messages the runner sends from now on."""
    notices: list[str] = []

    async def notify(run: FlowRun, title: str, message: str) -> None:
        notices.append(message)

    runner.on_failure(notify)
    return notices


async def _settled(runner: FlowRunner[World], run_id: int) -> FlowRun:
    async def stopped() -> FlowRun | None:
        run = await runner.get(run_id)
        assert run is not None
        return run if run.status is not RunStatus.RUNNING and runner.active_count == 0 else None

    return await eventually_value(stopped, what="the run to settle")


async def test_steps_run_in_order_and_once_per_key(database: Database) -> None:
    world = World()
    runner = _runner(database, world)
    run = await runner.start(FLOW, "key-1", ProbeArgs(n=1))
    again = await runner.start(FLOW, "key-1", ProbeArgs(n=1))
    assert again.id == run.id
    done = await _settled(runner, run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.completed_steps == ("first", "second")
    assert done.state == {"_version": 1, "first_done": True}
    assert world.effects == ["first:1", "second:1"]


async def test_transient_failures_are_retried(database: Database) -> None:
    world = World(failures_left={"second": 2})
    runner = _runner(database, world)
    run = await runner.start(FLOW, "key-2", ProbeArgs(n=2))
    done = await _settled(runner, run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.attempts == 2
    assert world.effects == ["first:2", "second:2"]


async def test_persistent_failure_marks_failed_and_notifies(database: Database) -> None:
    world = World(failures_left={"second": 99})
    runner = _runner(database, world)
    notices: list[tuple[int, str, str]] = []

    async def notify(run: FlowRun, title: str, message: str) -> None:
        notices.append((run.id, title, message))

    runner.on_failure(notify)
    run = await runner.start(FLOW, "key-3", ProbeArgs(n=3))
    done = await _settled(runner, run.id)
    assert done.status is RunStatus.FAILED
    assert done.attempts == 3
    assert done.last_error == "ConnectionError: slack is flaky"
    assert notices == [(run.id, "Probing", f"Something went wrong (error id {done.error_id}).")]

    world.failures_left.clear()
    retried = await runner.retry(run.id)
    assert retried is not None
    assert (await _settled(runner, run.id)).status is RunStatus.SUCCEEDED
    assert world.effects == ["first:3", "second:3"]  # the first step is not repeated
    assert await runner.retry(run.id) is None


async def test_user_facing_error_fails_at_once_with_its_message(database: Database) -> None:
    world = World()
    runner = _runner(database, world)
    notices = _notices(runner)
    run = await runner.start(FLOW, "key-4", ProbeArgs(n=4, refuse=True, requested_by="U4"))
    done = await _settled(runner, run.id)
    assert done.status is RunStatus.FAILED
    assert done.attempts == 1
    assert notices == ["That channel name is reserved."]
    assert runner.requester(done) == "U4"  # whom run_failures tells, and who may retry


async def test_a_row_no_model_can_read_fails_at_once(database: Database) -> None:
    world = World()
    runner = _runner(database, world)
    notices = _notices(runner)
    run, _ = await runner._service.open("probe", "key-10", {"n": "many"})
    assert await runner.resume_pending() == 1
    done = await _settled(runner, run.id)
    assert (done.status, done.attempts) == (RunStatus.FAILED, 1)
    assert (done.last_error or "").startswith("ValidationError")
    assert notices == [f"Something went wrong (error id {done.error_id})."]
    assert world.effects == []


async def test_abandoned_run_is_resumed_from_its_next_step(database: Database) -> None:
    """The crashed process here is of the release before typed runs: args and state without a version."""
    world = World()
    crashed = _runner(database, world, owner="crashed-replica", lease=0.2)
    run, _ = await crashed._service.open("probe", "key-5", {"n": 5})
    assert await crashed._service.claim(run.id) is not None
    await crashed._service.record(run.id, {"first_done": True}, step="first")
    world.effects.append("first:5")  # what the crashed process did before dying

    survivor = _runner(database, world, owner="survivor")
    assert await survivor.resume_pending() == 0  # the crashed replica's lease has not lapsed yet

    async def taken_over() -> bool:
        return await survivor.resume_pending() == 1

    await eventually(taken_over, what="the lapsed lease to be taken over")
    done = await _settled(survivor, run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert world.effects == ["first:5", "second:5"]


async def test_a_dead_processs_run_resumes_without_waiting_for_its_lease(database: Database) -> None:
    """SQLite: the restarted process takes every lease over. PostgreSQL: the dead process's liveness
    lock went with its connection, so any replica's next sweep takes its run."""
    world = World()
    crashed_owner, survivor_owner = owner_name("host", 1, "crashed"), owner_name("host", 2, "survivor")
    crashed_signal = liveness_for(database, crashed_owner, check_seconds=3600, grace_seconds=30)
    await crashed_signal.start()
    crashed = _runner(database, world, owner=crashed_owner, liveness=crashed_signal)
    run, _ = await crashed._service.open("probe", "key-9", {"n": 9})
    assert await crashed._service.claim(run.id) is not None
    await crashed._service.record(run.id, {"first_done": True}, step="first")
    world.effects.append("first:9")
    survivor_signal = liveness_for(database, survivor_owner, check_seconds=3600, grace_seconds=30)
    survivor = _runner(database, world, owner=survivor_owner, liveness=survivor_signal)
    await survivor.announce()
    try:
        if database.dialect == "postgresql":
            assert await survivor.resume_pending() == 0  # alive: its run is its own
            async with database.engine.connect() as connection:  # kill -9: its session ends
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND classid = :class AND objid = hashtext(:owner)::oid AND objsubid = 2"
                    ),
                    {"class": LOCK_CLASS, "owner": crashed_owner},
                )
        assert await survivor.resume_after_restart() == 1  # the 30 s lease is far from lapsing
        done = await _settled(survivor, run.id)
        assert done.status is RunStatus.SUCCEEDED
        assert world.effects == ["first:9", "second:9"]
    finally:
        await survivor.drain(within=1)
        await crashed_signal.stop()


async def test_two_replicas_never_work_the_same_run(database: Database) -> None:
    world = World()
    one, two = _runner(database, world, owner="one"), _runner(database, world, owner="two")
    run, _ = await one._service.open("probe", "key-6", {"n": 6})
    await asyncio.gather(one.resume_pending(), two.resume_pending(), one.resume_pending())
    done = await _settled(one, run.id)
    await _settled(two, run.id)
    assert done.status is RunStatus.SUCCEEDED
    assert world.effects == ["first:6", "second:6"]


async def test_drain_hands_unfinished_runs_back(database: Database) -> None:
    world = World()
    runner = _runner(database, world)
    run = await runner.start(FLOW, "key-7", ProbeArgs(n=7, wait=True))

    async def first_step_done() -> bool:
        current = await runner.get(run.id)
        assert current is not None
        return "first" in current.completed_steps

    await eventually(first_step_done, what="the first step")
    await runner.drain(within=0.05)
    left = await runner.get(run.id)
    assert left is not None
    assert left.status is RunStatus.RUNNING
    assert left.lease_owner is None  # resumable at once by the next process

    world.release.set()
    successor = _runner(database, world, owner="successor")
    assert await successor.resume_pending() == 1
    assert (await _settled(successor, run.id)).status is RunStatus.SUCCEEDED
    assert world.effects == ["first:7", "second:7"]


@pytest.mark.parametrize("lease", [0.3])
async def test_heartbeat_keeps_a_slow_step_leased(database: Database, lease: float) -> None:
    world = World()
    runner = _runner(database, world, lease=lease)
    run = await runner.start(FLOW, "key-8", ProbeArgs(n=8, wait=True))
    await asyncio.sleep(lease * 2)  # real time, as the lease counts it: unrenewed, it would have lapsed
    other = _runner(database, world, owner="other", lease=lease)
    assert await other.resume_pending() == 0
    world.release.set()
    assert (await _settled(runner, run.id)).status is RunStatus.SUCCEEDED
    assert datetime.now(UTC) - timedelta(minutes=1) < run.created_at
