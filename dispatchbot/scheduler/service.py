"""APScheduler 3 in the bot's own event loop, running `Job` ticks with the injected clock.

Leader-only jobs tick only on the replica holding the leadership (see `leader.py`); every tick's
start, end and error are recorded for `dispatchbot scheduler list`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dispatchbot.clock import Clock
from dispatchbot.logs import get_logger
from dispatchbot.scheduler.jobs import Job
from dispatchbot.scheduler.leader import Leadership
from dispatchbot.services.scheduler_jobs import JobStateService

log = get_logger(__name__)

STOP_SECONDS = 5.0
"""How long a stop waits for ticks in progress (and then for cancelled ones to unwind)."""


class Scheduler:
    def __init__(
        self, jobs: list[Job], clock: Clock, leadership: Leadership, states: JobStateService, runner: str
    ) -> None:
        self.jobs = jobs
        self._clock = clock
        self._leadership = leadership
        self._states = states
        self._runner = runner
        self._ticking: set[asyncio.Task[object]] = set()
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        )

    async def start(self) -> None:
        """Must be called inside the running loop (APScheduler binds to it on start)."""
        await self._leadership.start()
        for job in self.jobs:
            self._scheduler.add_job(
                self.run,
                "interval",
                seconds=job.every.total_seconds(),
                args=[job],
                id=job.name,
                name=job.name,
            )
        self._scheduler.start()

    async def stop(self, within: float = STOP_SECONDS) -> None:
        """No new ticks; let ticks in progress finish for up to `within` seconds, then cancel them.

        APScheduler's own shutdown only cancels running ticks, without waiting for them: a tick would
        then still be unwinding (or, being cancelled mid-transaction, log an error) after the
        database it uses is closed.
        """
        if self._scheduler.running:
            self._scheduler.pause()
            if self._ticking:
                await asyncio.wait(set(self._ticking), timeout=within)
            self._scheduler.shutdown(wait=False)  # cancels what is still running
            if self._ticking:
                await asyncio.wait(set(self._ticking), timeout=STOP_SECONDS)
        await self._leadership.stop()

    @property
    def is_leader(self) -> bool:
        return self._leadership.is_leader

    async def run(self, job: Job, *, force: bool = False) -> bool:
        """One tick of `job` now, if this replica may run it (or `force`); False when skipped."""
        if job.leader_only and not (force or self._leadership.is_leader):
            return False
        ticking = asyncio.current_task()
        assert ticking is not None  # a coroutine the loop runs is always inside a task
        self._ticking.add(ticking)
        try:
            await self._tick(job)
        finally:
            self._ticking.discard(ticking)
        return True

    async def _tick(self, job: Job) -> None:
        every = job.every.total_seconds()
        error: str | None = None
        if job.leader_only:
            await self._states.started(job.name, every, self._runner)
        started = time.perf_counter()
        try:
            await job.tick(self._clock.now())
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler.job_failed", job=job.name)
        # Every tick at DEBUG; at INFO a job writes its own line only when the tick did something.
        log.debug("scheduler.tick", job=job.name, ms=round((time.perf_counter() - started) * 1000, 1))
        if job.leader_only:
            await self._states.finished(job.name, every, error)
