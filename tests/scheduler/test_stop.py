"""Stopping the scheduler waits for a tick in progress, so none outlives the database it uses."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from dispatchbot.clock import SystemClock
from dispatchbot.scheduler.jobs import Job
from dispatchbot.scheduler.leader import SingleReplica
from dispatchbot.scheduler.service import Scheduler
from dispatchbot.services.scheduler_jobs import JobStateService
from dispatchbot.storage.engine import Database


class SlowTick:
    """A job tick that holds until released, and says how it ended."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.ended: str | None = None

    async def __call__(self, now: datetime) -> None:
        self.started.set()
        try:
            await self.release.wait()
            self.ended = "finished"
        except asyncio.CancelledError:
            self.ended = "cancelled"
            raise


def _scheduler(database: Database, tick: SlowTick) -> Scheduler:
    clock = SystemClock()
    job = Job(name="slow", every=timedelta(seconds=0.05), leader_only=True, tick=tick)
    return Scheduler([job], clock, SingleReplica(), JobStateService(database.sessions, clock), "test")


async def test_stop_lets_a_tick_in_progress_finish(database: Database) -> None:
    tick = SlowTick()
    scheduler = _scheduler(database, tick)
    await scheduler.start()
    await asyncio.wait_for(tick.started.wait(), 10)

    stopping = asyncio.create_task(scheduler.stop(within=10))
    await asyncio.sleep(0)  # the stop begins: a stop that did not wait would cancel the tick right here
    tick.release.set()
    await asyncio.wait_for(stopping, 10)

    assert tick.ended == "finished"


async def test_stop_cancels_a_tick_that_overruns_and_waits_for_it_to_unwind(database: Database) -> None:
    tick = SlowTick()
    scheduler = _scheduler(database, tick)
    await scheduler.start()
    await asyncio.wait_for(tick.started.wait(), 10)

    await asyncio.wait_for(scheduler.stop(within=0.05), 10)

    assert tick.ended == "cancelled"  # already unwound when stop returned, not still running
