"""Use case: remind commanders to close incidents that have been Stable for a long time.

Entering Stable arms one reminder row (kind CLOSE_INCIDENT) due `close_reminder_after_days` after that
moment; leaving Stable (reopened, or closed) cancels it. When due, the incident's commander at that time
gets a DM with a Close button, again every `close_reminder_every_days` while it stays Stable (any day of
the week: Dispatch's Mondays-only rule just delays the nudge).

The Close button closes through the update-incident flow itself (a run whose steps are the update's own
plus one that redraws the DM), so closing from here does everything a close from the form does: the
channel message and archive, pages resolved, feedback requests, notifications, reminders stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatchbot.blocks.incidents import close_reminders as close_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Reminder, ReminderKind, Status
from dispatchbot.errors import UserFacingError
from dispatchbot.flows import access
from dispatchbot.flows.incidents.update_incident_run import (
    MessageRef,
    UpdateIncidentArgs,
    UpdateIncidentContext,
    UpdateIncidentState,
)
from dispatchbot.flows.runner import Flow, Step

UpdateFlow = Flow[Deps, UpdateIncidentArgs, UpdateIncidentState]

SUBJECT = "close"
KIND = ReminderKind.CLOSE_INCIDENT
ACTION = "close it"


async def follow_update(ctx: UpdateIncidentContext) -> None:
    """Update-incident step: arm the close reminder on Stable, cancel it when the incident leaves Stable."""
    if not ctx.state.status_changed:
        return
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)  # as it is now: a later edit may have won
    if incident.status is Status.STABLE:
        await arm(deps, incident)
    else:
        await deps.reminders.cancel(incident.id, [KIND], SUBJECT)


async def arm(deps: Deps, incident: Incident) -> None:
    """Due `close_reminder_after_days` after the incident entered Stable (at once if that is past)."""
    since = await deps.incidents.status_entered_at(incident.id)
    due = since + timedelta(days=deps.settings.summaries.close_reminder_after_days)
    await deps.reminders.schedule(KIND, incident.id, SUBJECT, incident.commander_id, due)


async def send(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
    """DM the current commander; again one interval later while still Stable, else done (None).

    The ledger key names this sending (the row and how often it was sent), so a replica that dies after
    Slack took the DM but before the row was updated does not make the next tick send it twice.
    """
    if incident.status is not Status.STABLE:
        return None
    now = deps.clock.now()
    key = f"close-reminder:{reminder.id}:{reminder.sent_count}"
    if await deps.sent_once.claim(key):
        stable_for = now - await deps.incidents.status_entered_at(incident.id)
        text, blocks = close_blocks.reminder(incident, stable_for, _command(deps))
        try:
            await deps.slack.post_message(incident.commander_id, text, blocks)
        except Exception:
            await deps.sent_once.release(key)
            raise  # the reminder's claim is given back too: the next tick tries again
    return now + timedelta(days=deps.settings.summaries.close_reminder_every_days)


def closing_flow(update: UpdateFlow) -> UpdateFlow:
    """The update-incident flow (passed in: it imports this module) plus the DM's redraw at the end."""
    return Flow.of(
        "close_from_reminder",
        "Closing the incident",
        update.args_type,
        update.state_type,
        steps=(*update.steps, Step("reminder_message", redraw_reminder)),
    )


async def close(deps: Deps, flow: UpdateFlow, incident_id: int, user_id: str, message: MessageRef) -> None:
    """The Close button: checked here (before the ack), then a run keyed by the DM message, so a double
    click joins the first run. `message` is the reminder DM, redrawn at the end.

    An incident closed meanwhile needs no permission (roles end at close): the run changes nothing and
    only redraws the DM to say it was already closed.
    """
    incident = await access.visible_incident(deps, incident_id, user_id)
    if incident.status is not Status.CLOSED:
        await access.require_manager(deps, incident, user_id, ACTION)
        if incident.status is not Status.STABLE:
            raise UserFacingError(close_blocks.not_stable_text(incident, _command(deps)))
        if not deps.catalog.severity_allowed(incident.severity, Status.CLOSED):
            raise UserFacingError(close_blocks.severity_text(incident, _command(deps)))
    args = UpdateIncidentArgs(
        incident_id=incident.id,
        changes={"status": Status.CLOSED.value},
        requested_by=user_id,
        message=message,
    )
    await deps.runs.start(flow, key=f"close:{message.channel}:{message.ts}", args=args)


async def redraw_reminder(ctx: UpdateIncidentContext) -> None:
    """The DM loses its button and says what became of the incident: closed now, or closed already."""
    message = ctx.args.message
    assert message is not None  # `close` names it
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    if ctx.state.status_changed:
        text, blocks = close_blocks.closed(incident, ctx.args.requested_by)
    else:
        text, blocks = close_blocks.already_closed(incident)
    await ctx.deps.slack.update_message(message.channel, message.ts, text, blocks)


def _command(deps: Deps) -> str:
    return deps.settings.commands.name(Command.UPDATE_INCIDENT)
