"""Scheduled jobs as plain `tick(now)` coroutines, so tests call them with any time and never sleep.

The scheduler's own jobs (sending due reminders, sweeping flow runs, pruning deliveries) are declared
here; the rest are declared by the features that own them (`dispatchbot.features`). Which jobs exist
and how often they run comes from the settings alone (`job_specs`), so `dispatchbot scheduler list`
can describe them without connecting to Slack; `all_jobs` pairs each with its tick for the running bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from dispatchbot.config import Settings
from dispatchbot.deps import Deps
from dispatchbot.domain import Reminder, ReminderKind
from dispatchbot.features import FEATURES, Feature, ReminderSender, ScheduledJob, reminder_senders
from dispatchbot.logs import get_logger
from dispatchbot.services.reminders import Outcome

log = get_logger(__name__)

Tick = Callable[[datetime], Awaitable[None]]

SEND_CONCURRENCY = 20
"""Reminders sent at once per tick: enough to clear a backlog fast, few enough to stay polite to Slack."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    leader_only: bool  # False: safe on every replica at once (its work is fenced by leases)


@dataclass(frozen=True)
class Job(JobSpec):
    tick: Tick


def job_specs(settings: Settings, features: Iterable[Feature] = FEATURES) -> list[JobSpec]:
    return [JobSpec(job.name, _every(job, settings), job.leader_only) for job in _declared(features)]


def all_jobs(deps: Deps, features: Iterable[Feature]) -> list[Job]:
    return [
        Job(job.name, _every(job, deps.settings), job.leader_only, partial(job.tick, deps))
        for job in _declared(features)
    ]


def _every(job: ScheduledJob, settings: Settings) -> timedelta:
    return timedelta(seconds=job.every_seconds(settings))


def _declared(features: Iterable[Feature]) -> list[ScheduledJob]:
    """The scheduler's own jobs first, then the features' in registry order (the `scheduler list` order)."""
    features = tuple(features)
    return [*_own_jobs(reminder_senders(features)), *(job for feature in features for job in feature.jobs)]


def _own_jobs(senders: Mapping[ReminderKind, ReminderSender]) -> list[ScheduledJob]:
    return [
        ScheduledJob(
            "send_due_reminders",
            lambda settings: settings.scheduler.reminder_tick_seconds,
            lambda deps, _now: send_due_reminders(deps, senders),
        ),
        ScheduledJob(
            "sweep_flow_runs",
            lambda settings: settings.runs.sweep_interval_seconds,
            lambda deps, _now: sweep_flow_runs(deps),
            leader_only=False,
        ),
        ScheduledJob("prune_deliveries", lambda _settings: 60 * 60, prune_deliveries),
    ]


async def send_due_reminders(deps: Deps, senders: Mapping[ReminderKind, ReminderSender]) -> None:
    """Claim what is due (one statement), send concurrently, record every outcome (one statement)."""
    claimed = await deps.reminders.claim_due()
    if not claimed:
        return
    incidents = await deps.incidents.many({reminder.incident_id for reminder in claimed})
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(reminder: Reminder) -> Outcome:
        sender = senders[reminder.kind]
        async with gate:
            return Outcome(reminder.id, await sender(deps, reminder, incidents[reminder.incident_id]))

    results = await asyncio.gather(*(send(reminder) for reminder in claimed), return_exceptions=True)
    outcomes = [result for result in results if isinstance(result, Outcome)]
    failed = []
    for reminder, result in zip(claimed, results, strict=True):
        if isinstance(result, BaseException):
            failed.append(reminder.id)
            log.error("reminder.send_failed", reminder=reminder.id, kind=reminder.kind.value, exc_info=result)
    await deps.reminders.finish(outcomes)
    await deps.reminders.release(failed)
    log.info("reminders.sent", count=len(outcomes), failed=len(failed))


async def sweep_flow_runs(deps: Deps) -> None:
    started = await deps.runs.resume_pending()
    if started:
        log.info("flow_runs.resumed", count=started)


async def prune_deliveries(deps: Deps, now: datetime) -> None:
    removed = await deps.deliveries.prune(now - timedelta(hours=deps.settings.runs.delivery_retention_hours))
    if removed:
        log.info("deliveries.pruned", count=removed)
