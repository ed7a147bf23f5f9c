"""Scheduled jobs as plain `tick(now)` coroutines, so tests call them with any time and never sleep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger

log = get_logger(__name__)

Tick = Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    tick: Tick
    leader_only: bool  # False: safe on every replica at once (its work is fenced by leases or is idempotent)


def maintenance_jobs(deps: Deps) -> list[Job]:
    runs = deps.settings.runs

    async def sweep_flow_runs(now: datetime) -> None:
        started = await deps.runs.resume_pending()
        if started:
            log.info("flow_runs.resumed", count=started)

    async def prune_deliveries(now: datetime) -> None:
        removed = await deps.deliveries.prune(now - timedelta(hours=runs.delivery_retention_hours))
        if removed:
            log.info("deliveries.pruned", count=removed)

    return [
        Job(
            "sweep_flow_runs",
            timedelta(seconds=runs.sweep_interval_seconds),
            sweep_flow_runs,
            leader_only=False,
        ),
        Job("prune_deliveries", timedelta(hours=1), prune_deliveries, leader_only=False),
    ]
