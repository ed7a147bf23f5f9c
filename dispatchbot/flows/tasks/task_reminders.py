"""Use case: overdue task reminders.

A task's reminder row (kind TASK_OVERDUE, subject = task id) is armed at its due time when it is
created or reopened and cancelled when it is resolved. When the scheduler finds it due, every assignee
gets a DM with a Resolve button, and the reminder is re-armed `overdue_reminder_hours` later (a day by
default: Dispatch's rule, without its "the hour divides exactly" fragility). It stops for good once
the task is resolved or the incident is no longer active. In a restricted incident only assignees who
are still active participants hear about it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, IncidentUpdate, Reminder, ReminderKind, Status, TaskStatus
from dispatchbot.errors import NotFound, ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def send_overdue(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
    """DM the assignees; the next due time, or None when reminding is over."""
    try:
        task = await deps.tasks.get(int(reminder.subject))
    except NotFound:
        return None
    if task.status is not TaskStatus.OPEN or incident.status is not Status.ACTIVE:
        return None
    recipients = list(task.assignees)
    if incident.restricted:
        members = {p.user_id for p in await deps.participants.members(incident.id)}
        recipients = [user for user in recipients if user in members]
    text, blocks = task_blocks.overdue_reminder(task, incident)
    failures: list[ProviderError] = []
    for user_id in recipients:
        try:
            await deps.slack.post_message(user_id, text, blocks)
        except ProviderError as exc:  # one unreachable person (deactivated, say) must not silence the rest
            log.info("tasks.overdue_dm_failed", task=task.id, user=user_id, error=exc.detail)
            failures.append(exc)
    if recipients and len(failures) == len(recipients):
        raise failures[-1]  # nobody heard it: the claim is released and the next tick tries again
    return deps.clock.now() + timedelta(hours=deps.settings.tasks.overdue_reminder_hours)


async def follow_update(deps: Deps, incident: Incident, update: IncidentUpdate) -> None:
    """Back to Active (from Stable or Closed): open tasks whose reminder finished meanwhile are re-armed."""
    if not update.status_changed or update.after.status is not Status.ACTIVE:
        return
    now = deps.clock.now()
    for task in await deps.tasks.for_incident(incident.id):
        subject = str(task.id)
        if task.status is not TaskStatus.OPEN or not task.assignees:
            continue
        if await deps.reminders.get(ReminderKind.TASK_OVERDUE, incident.id, subject) is None:
            due = max(task.due_at, now)
            await deps.reminders.schedule(
                ReminderKind.TASK_OVERDUE, incident.id, subject, task.assignees[0], due
            )
