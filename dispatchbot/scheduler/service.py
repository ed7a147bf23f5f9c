"""APScheduler 3 in the bot's own event loop, running `Job` ticks with the injected clock.

Leader-only jobs tick only on the replica holding the leadership (see `leader.py`); every tick's
start, end and error are recorded for `dispatchbot scheduler list`.
"""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dispatchbot.clock import Clock
from dispatchbot.logs import get_logger
from dispatchbot.scheduler.jobs import Job
from dispatchbot.scheduler.leader import Leadership
from dispatchbot.services.scheduler_jobs import JobStateService

log = get_logger(__name__)


class Scheduler:
    def __init__(
        self, jobs: list[Job], clock: Clock, leadership: Leadership, states: JobStateService, runner: str
    ) -> None:
        self.jobs = jobs
        self._clock = clock
        self._leadership = leadership
        self._states = states
        self._runner = runner
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

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await self._leadership.stop()

    @property
    def is_leader(self) -> bool:
        return self._leadership.is_leader

    async def run(self, job: Job, *, force: bool = False) -> bool:
        """One tick of `job` now, if this replica may run it (or `force`); False when skipped."""
        if job.leader_only and not (force or self._leadership.is_leader):
            return False
        every = job.every.total_seconds()
        error: str | None = None
        if job.leader_only:
            await self._states.started(job.name, every, self._runner)
        try:
            await job.tick(self._clock.now())
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler.job_failed", job=job.name)
        if job.leader_only:
            await self._states.finished(job.name, every, error)
        return True
