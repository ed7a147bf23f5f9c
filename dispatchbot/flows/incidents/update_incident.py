"""Use case: a commander or scribe changes an incident (fields and status), and its channel follows.

The submission is validated and authorized inside the ack; a durable run keyed by the submitted view
then applies it. Steps, in the order the channel must see them: apply (one transaction, done once per
run key), reopen (unarchive and invite everyone back before anything is posted), refresh the pinned
header and topic, post what changed, the Stable and Closed effects (the closing message goes out before
the archive), and last the notifications, re-sent only when status, type, severity or priority changed.
Each message is recorded once posted; after a crash in mid-post the run looks for it before posting again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.blocks.incidents import update_incident as update_blocks
from dispatchbot.blocks.incidents.update_incident import IncidentEdit
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import EDITABLE_FIELDS, MANAGING_ROLES, Incident, IncidentUpdate, Status, Visibility
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.flows import access, forms, notify, posting
from dispatchbot.flows.feedback import feedback
from dispatchbot.flows.incidents import close_reminders, costs, incident_channel, incident_documents
from dispatchbot.flows.incidents.update_incident_run import (
    UpdateIncidentArgs,
    UpdateIncidentContext,
    UpdateIncidentState,
)
from dispatchbot.flows.oncall import oncall_pages
from dispatchbot.flows.reports import report_reminders
from dispatchbot.flows.runner import Flow, Step
from dispatchbot.flows.tasks import task_reminders
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ACTION = "update the incident"
REFERENCE = re.compile(r"^\s*(?:inc-?)?(\d{1,9})\s*$", re.IGNORECASE)


async def incident_for_command(deps: Deps, channel_id: str, text: str, user_id: str) -> Incident:
    """This channel's incident, or the one named in the text (`INC-42`) so a closed one whose channel is
    archived can still be reopened from anywhere; refused unless the caller may update it."""
    command = deps.settings.commands.name(Command.UPDATE_INCIDENT)
    named = REFERENCE.match(text)
    if named:
        incident = await access.visible_incident(deps, int(named.group(1)), user_id)
    else:
        found = await deps.incidents.by_channel(channel_id)
        if found is None:
            raise UserFacingError(
                f"`{command}` works in an incident's channel. To update an incident from elsewhere "
                f"(a closed one whose channel is archived, say), name it: `{command} INC-42`."
            )
        incident = found
    await require_editor(deps, incident, user_id)
    return incident


async def incident_for_button(deps: Deps, incident_id: int, user_id: str) -> Incident:
    """The header's button: the same check as the command, made again on every click."""
    incident = await access.visible_incident(deps, incident_id, user_id)
    await require_editor(deps, incident, user_id)
    return incident


async def require_editor(deps: Deps, incident: Incident, user_id: str) -> None:
    """Commander or Scribe. Closing ends every role, so on a closed incident it is who held one then."""
    if incident.status is Status.CLOSED and MANAGING_ROLES & await deps.participants.last_roles(
        incident.id, user_id
    ):
        return
    await access.require_manager(deps, incident, user_id, ACTION)


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    """The modal, prefilled with the incident as it is."""
    await forms.show(deps, trigger_id, update_blocks.update_modal(incident, deps.catalog), user_id)


async def submit(deps: Deps, key: str, incident_id: int, edit: IncidentEdit, user_id: str) -> Incident | None:
    """Start the update run (a repeated submission joins the first, by `key`); the incident when the
    form changes nothing, so the person is told instead of the channel getting an empty message."""
    incident = await deps.incidents.get(incident_id)
    await require_editor(deps, incident, user_id)  # the role may have moved since the form opened
    changes = edit.changes()
    if _fields(incident) == changes:
        return incident
    args = UpdateIncidentArgs(incident_id=incident_id, changes=changes, requested_by=user_id)
    await deps.runs.start(UPDATE_INCIDENT, key=key, args=args)
    return None


async def apply(ctx: UpdateIncidentContext) -> None:
    """Change the incident once (keyed by the run) and record what changed for the steps after it."""
    if ctx.state.changed is not None:
        return
    args = ctx.args
    update = await ctx.deps.incidents.update(args.incident_id, args.changes, args.requested_by, key=ctx.key)
    await ctx.record(changed=update.changed, before=_fields(update.before), after=_fields(update.after))


async def follow_reminders(ctx: UpdateIncidentContext) -> None:
    """Reminders run while Active: Stable and Closed stop them; reopening (or, for reports, a new
    priority) re-times them."""
    incident, update = await _load(ctx)
    await report_reminders.follow_update(ctx.deps, incident, update)
    await task_reminders.follow_update(ctx.deps, incident, update)


async def reopen(ctx: UpdateIncidentContext) -> None:
    """Closed → Active or Stable (roles are restored by the service): unarchive, invite the active
    participants back, then say so — in that order, since an archived channel takes no posts."""
    incident, update = await _load(ctx)
    if incident.channel_id is None or not _left(update, Status.CLOSED):
        return
    deps, channel = ctx.deps, incident.channel_id
    if not ctx.state.unarchived:
        try:
            await deps.slack.unarchive(channel)
        except ProviderError as exc:
            if exc.detail != "not_in_channel":
                raise
            await _ask_to_unarchive(deps, update.after, _actor(ctx))
            return
        await ctx.record(unarchived=True)
    if not ctx.state.reinvited:
        people = [p.user_id for p in await deps.participants.members(incident.id)]
        await deps.slack.invite(channel, [user for user in people if user != deps.identity.user_id])
        await ctx.record(reinvited=True)
    message = update_blocks.reopened_message(update.after, _actor(ctx))
    await posting.post_once(ctx, "reopened_posted", channel, message, skip_archived=True)


async def refresh(ctx: UpdateIncidentContext) -> None:
    """The pinned header (edited in place) and the topic show the incident as it is now."""
    incident, update = await _load(ctx)
    if update.changed:
        await incident_channel.refresh(ctx.deps, incident)


async def announce(ctx: UpdateIncidentContext) -> None:
    """One message listing what changed, so nobody has to diff the header."""
    incident, update = await _load(ctx)
    if incident.channel_id is not None and update.changed:
        message = incident_blocks.change_message(update, _actor(ctx))
        await posting.post_once(ctx, "changes_posted", incident.channel_id, message, skip_archived=True)


async def mark_stable(ctx: UpdateIncidentContext) -> None:
    """→ Stable (stable_at is set by the service): tell the channel (the review document follows)."""
    incident, update = await _load(ctx)
    if incident.channel_id is None or not _entered(update, Status.STABLE):
        return
    message = update_blocks.stable_message(update.after, _actor(ctx), _command(ctx.deps))
    await posting.post_once(ctx, "stable_posted", incident.channel_id, message, skip_archived=True)


async def close(ctx: UpdateIncidentContext) -> None:
    """→ Closed (closed_at set, roles renounced by the service): the closing message, then the archive
    unless configured otherwise (the feedback requests follow)."""
    incident, update = await _load(ctx)
    if incident.channel_id is None or not _entered(update, Status.CLOSED):
        return
    deps, channel = ctx.deps, incident.channel_id
    archiving = deps.settings.incidents.archive_on_close
    message = update_blocks.closing_message(
        update.after, _actor(ctx), archiving=archiving, command=_command(deps)
    )
    await posting.post_once(ctx, "closed_posted", channel, message, skip_archived=True)
    if archiving and not ctx.state.archived:
        await deps.slack.archive(channel)
        await ctx.record(archived=True)


async def notify_followers(ctx: UpdateIncidentContext) -> None:
    """Notification channels and subscribers hear about changes that matter to them (Dispatch's rule)."""
    incident, update = await _load(ctx)
    if update.notify_worthy:
        await notify.send(ctx.deps, incident, event="Incident updated")


UPDATE_INCIDENT = Flow.of(
    "update_incident",
    "Updating the incident",
    UpdateIncidentArgs,
    UpdateIncidentState,
    steps=(
        Step("apply", apply),
        Step("cost", costs.follow_update),
        Step("report_reminders", follow_reminders),
        Step("reopen", reopen),
        Step("refresh", refresh),
        Step("announce", announce),
        Step("stable", mark_stable),
        Step("pages", oncall_pages.follow_update),
        Step("close", close),
        Step("documents", incident_documents.follow_update),
        Step("feedback", feedback.follow_update),
        Step("close_reminders", close_reminders.follow_update),
        Step("notify", notify_followers),
    ),
)


async def _load(ctx: UpdateIncidentContext) -> tuple[Incident, IncidentUpdate]:
    """The incident now, and the update as the apply step recorded it."""
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    state = ctx.state
    update = IncidentUpdate(
        before=_with(incident, state.before), after=_with(incident, state.after), changed=state.changed or ()
    )
    return incident, update


async def _ask_to_unarchive(deps: Deps, incident: Incident, actor_id: str) -> None:
    """Slack refuses `conversations.unarchive` to bot tokens (archiving removed the bot), so the person who
    reopened the incident is told how to bring the channel back by hand; the reopen itself stands."""
    log.info("update.unarchive_refused", incident=incident.reference)
    text, blocks = update_blocks.unarchive_by_hand(incident)
    await deps.slack.post_message(actor_id, text, blocks)


def _entered(update: IncidentUpdate, status: Status) -> bool:
    return update.status_changed and update.after.status is status


def _left(update: IncidentUpdate, status: Status) -> bool:
    return update.status_changed and update.before.status is status


def _actor(ctx: UpdateIncidentContext) -> str:
    return ctx.args.requested_by


def _command(deps: Deps) -> str:
    return deps.settings.commands.name(Command.UPDATE_INCIDENT)


def _fields(incident: Incident) -> dict[str, str]:
    return {name: str(getattr(incident, name)) for name in EDITABLE_FIELDS}


def _with(incident: Incident, fields: dict[str, Any]) -> Incident:
    return replace(
        incident,
        **{**fields, "status": Status(fields["status"]), "visibility": Visibility(fields["visibility"])},
    )
