"""APScheduler 3 in the bot's own event loop, running `Job` ticks with the injected clock."""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dispatchbot.clock import Clock
from dispatchbot.logs import get_logger
from dispatchbot.scheduler.jobs import Job

log = get_logger(__name__)


class Scheduler:
    def __init__(self, jobs: list[Job], clock: Clock) -> None:
        self.jobs = jobs
        self._clock = clock
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        )

    def start(self) -> None:
        """Must be called inside the running loop (APScheduler binds to it on start)."""
        for job in self.jobs:
            self._scheduler.add_job(
                self._run,
                "interval",
                seconds=job.every.total_seconds(),
                args=[job],
                id=job.name,
                name=job.name,
            )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def _run(self, job: Job) -> None:
        try:
            await job.tick(self._clock.now())
        except Exception:
            log.exception("scheduler.job_failed", job=job.name)
