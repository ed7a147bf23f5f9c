"""Use case: the commander is reminded to write tactical and executive reports, per the priority.

Each reminder is one row per (kind, incident), due at the last report of that kind (or the incident's
creation) plus the priority's interval, so a late or missed scheduler tick sends it late instead of
never (Dispatch's hourly job sent only when "the hour divides exactly"). Writing a report moves it;
Stable and Closed stop it; reopening restarts it from the reopen; a priority change re-times it with
the new interval. The sender DMs whoever commands the incident when it is due, not whoever did when
it was armed, and re-arms itself one interval later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatchbot.blocks.reports import reports as report_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, IncidentUpdate, Reminder, ReminderKind, ReportKind, Status
from dispatchbot.flows import access
from dispatchbot.mrkdwn import Mrkdwn

SUBJECT = "report"
FALLBACK_HOURS = 24.0
"""The interval when an incident's priority is no longer in the configuration (the config's default)."""

REMINDER_KINDS = {
    ReportKind.TACTICAL: ReminderKind.TACTICAL_REPORT,
    ReportKind.EXECUTIVE: ReminderKind.EXECUTIVE_REPORT,
}
REPORT_KINDS = {reminder: report for report, reminder in REMINDER_KINDS.items()}
COMMANDS = {ReportKind.TACTICAL: Command.REPORT_TACTICAL, ReportKind.EXECUTIVE: Command.REPORT_EXECUTIVE}


def interval(deps: Deps, incident: Incident, kind: ReportKind) -> timedelta:
    priority = deps.catalog.priority(incident.priority)
    if priority is None:
        return timedelta(hours=FALLBACK_HOURS)
    hours = (
        priority.tactical_report_reminder_hours
        if kind is ReportKind.TACTICAL
        else priority.executive_report_reminder_hours
    )
    return timedelta(hours=hours)


async def arm(deps: Deps, incident: Incident, kind: ReportKind, since: datetime) -> None:
    """Due one interval after `since`, or at once if that is already past; only while Active."""
    if incident.status is not Status.ACTIVE:
        return
    due = max(since + interval(deps, incident, kind), deps.clock.now())
    await deps.reminders.schedule(REMINDER_KINDS[kind], incident.id, SUBJECT, incident.commander_id, due)


async def arm_all(deps: Deps, incident: Incident, *, since: datetime | None = None) -> None:
    """Both reminders, counted from `since` or else from each kind's last report (or the creation)."""
    for kind in ReportKind:
        await arm(deps, incident, kind, since or await _last_written(deps, incident, kind))


async def follow_update(deps: Deps, incident: Incident, update: IncidentUpdate) -> None:
    """Status and priority decide the reminders; `incident` is as it is now (a later edit may have won)."""
    if not (update.status_changed or "priority" in update.changed):
        return
    if incident.status is not Status.ACTIVE:
        await deps.reminders.cancel(incident.id, REMINDER_KINDS.values(), SUBJECT)
        return
    reopened = update.status_changed and update.before.status is not Status.ACTIVE
    await arm_all(deps, incident, since=deps.clock.now() if reopened else None)


async def send(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
    """DM the current commander; nothing (and done) once the incident is no longer Active."""
    if incident.status is not Status.ACTIVE:
        return None
    kind = REPORT_KINDS[reminder.kind]
    every = interval(deps, incident, kind)
    command = deps.settings.commands.name(COMMANDS[kind])
    text, blocks = report_blocks.reminder_message(incident, kind, every, command)
    await deps.slack.post_message(incident.commander_id, text, blocks)
    return deps.clock.now() + every


async def snooze(deps: Deps, value: str, user_id: str) -> Mrkdwn:
    """Put the reminder off by the chosen time; the answer to show. Only a commander or scribe may."""
    kind, incident_id, minutes = report_blocks.read_snooze_value(value)
    incident = await access.visible_incident(deps, incident_id, user_id)
    await access.require_manager(deps, incident, user_id, "put off its report reminders")
    reminder = await deps.reminders.get(REMINDER_KINDS[kind], incident.id, SUBJECT)
    if (
        reminder is None
        or await deps.reminders.snooze(reminder.id, deps.clock.now() + timedelta(minutes=minutes)) is None
    ):
        return report_blocks.nothing_to_snooze_text(incident, kind)
    return report_blocks.snoozed_text(minutes)


async def _last_written(deps: Deps, incident: Incident, kind: ReportKind) -> datetime:
    latest = await deps.reports.latest(incident.id, kind)
    return latest.created_at if latest is not None else incident.created_at
