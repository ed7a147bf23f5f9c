"""Scheduled jobs as plain `tick(now)` coroutines, so tests call them with any time and never sleep.

Which jobs exist and how often they run comes from the settings alone (`job_specs`), so
`dispatchbot scheduler list` can describe them without connecting to Slack; `all_jobs` pairs each
spec with its tick for the running bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatchbot.config import Settings
from dispatchbot.deps import Deps
from dispatchbot.domain import Reminder
from dispatchbot.flows.feedback import feedback_digest, shift_feedback
from dispatchbot.flows.incidents import costs, daily_summary
from dispatchbot.flows.oncall import oncall_pages
from dispatchbot.flows.tasks import document_tasks
from dispatchbot.logs import get_logger
from dispatchbot.services.reminders import Outcome

log = get_logger(__name__)

Tick = Callable[[datetime], Awaitable[None]]

DAILY_CHECK = timedelta(minutes=1)
"""Daily messages are due once their local time has passed; checking each minute keeps them on time."""

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


def job_specs(settings: Settings) -> list[JobSpec]:
    return [
        JobSpec("send_due_reminders", timedelta(seconds=settings.scheduler.reminder_tick_seconds), True),
        JobSpec("sweep_flow_runs", timedelta(seconds=settings.runs.sweep_interval_seconds), False),
        JobSpec("prune_deliveries", timedelta(hours=1), True),
        JobSpec("accrue_costs", timedelta(seconds=settings.cost.accrual_interval_seconds), True),
        JobSpec("poll_pages", timedelta(seconds=settings.oncall.poll_seconds), True),
        JobSpec("sync_document_tasks", timedelta(seconds=settings.google.task_sync_seconds), True),
        JobSpec("send_daily_summaries", DAILY_CHECK, True),
        JobSpec("send_feedback_digests", DAILY_CHECK, True),
        JobSpec("ask_shift_feedback", timedelta(minutes=5), True),
    ]


def all_jobs(deps: Deps) -> list[Job]:
    ticks: dict[str, Tick] = {
        "send_due_reminders": lambda now: send_due_reminders(deps),
        "sweep_flow_runs": lambda now: sweep_flow_runs(deps),
        "prune_deliveries": lambda now: prune_deliveries(deps, now),
        "accrue_costs": lambda now: costs.accrue(deps, now),
        "poll_pages": lambda now: oncall_pages.poll(deps, now),
        "sync_document_tasks": lambda now: document_tasks.sync(deps, now),
        "send_daily_summaries": lambda now: daily_summary.tick(deps, now),
        "send_feedback_digests": lambda now: feedback_digest.tick(deps, now),
        "ask_shift_feedback": lambda now: shift_feedback.tick(deps, now),
    }
    return [
        Job(spec.name, spec.every, spec.leader_only, ticks[spec.name]) for spec in job_specs(deps.settings)
    ]


async def send_due_reminders(deps: Deps) -> None:
    """Claim what is due (one statement), send concurrently, record every outcome (one statement)."""
    claimed = await deps.reminders.claim_due()
    if not claimed:
        return
    incidents = await deps.incidents.many({reminder.incident_id for reminder in claimed})
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(reminder: Reminder) -> Outcome:
        sender = deps.reminder_senders[reminder.kind]
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
