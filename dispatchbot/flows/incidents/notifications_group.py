"""Use case: `/dispatch-notifications-group`, a manager edits who is told about the incident's updates.

Restricted incidents notify their participants only, so the form refuses anyone else (and
`flows/notify` checks again at send time, as people leave).
"""

from __future__ import annotations

from dispatchbot.blocks.incidents.notifications_group import GroupForm, group_modal
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, MemberKind
from dispatchbot.errors import InvalidForm
from dispatchbot.flows import access, forms
from dispatchbot.ids import BlockId
from dispatchbot.mrkdwn import md, mention

ACTION = "change who is notified about this incident"
RESTRICTED = "Restricted incidents notify their participants only"


async def authorize(deps: Deps, channel_id: str, user_id: str) -> Incident:
    """The incident of this channel, if the caller is its commander or scribe."""
    return await access.managed_incident_in_channel(
        deps, channel_id, user_id, Command.NOTIFICATIONS_GROUP, ACTION
    )


async def open_form(deps: Deps, incident: Incident, trigger_id: str, user_id: str) -> None:
    """The modal prefilled with the group as stored; an expired trigger is explained by DM."""
    members = await deps.notification_group.members(incident.id)
    current = GroupForm(
        users=members[MemberKind.USER], channels=members[MemberKind.CHANNEL], emails=members[MemberKind.EMAIL]
    )
    await forms.show(deps, trigger_id, group_modal(incident, current), user_id)


async def save(deps: Deps, incident_id: int, user_id: str, form: GroupForm) -> Incident:
    """Replace the group (one transaction); roles are checked again, as they may have changed meanwhile."""
    incident = await deps.incidents.get(incident_id)
    await access.require_manager(deps, incident, user_id, ACTION)
    if incident.restricted:
        await _participants_only(deps, incident, form)
    new = {MemberKind.USER: form.users, MemberKind.CHANNEL: form.channels, MemberKind.EMAIL: form.emails}
    if await deps.notification_group.members(incident.id) != new:
        await deps.notification_group.replace(incident.id, new)
        await deps.incidents.add_event(
            incident.id,
            "notifications_group_changed",
            md("{who} changed the notifications group", who=mention(user_id)),
            user_id,
        )
    return incident


async def _participants_only(deps: Deps, incident: Incident, form: GroupForm) -> None:
    participants = {participant.user_id for participant in await deps.participants.members(incident.id)}
    outsiders = [user for user in form.users if user not in participants]
    errors: dict[str, str] = {}
    if outsiders:
        who = "person is" if len(outsiders) == 1 else "people are"
        errors[BlockId.MEMBERS] = f"{RESTRICTED}: {len(outsiders)} {who} not a participant. Remove them."
    if form.channels:
        errors[BlockId.CHANNELS] = f"{RESTRICTED}: channels cannot be added."
    if form.emails:
        errors[BlockId.EMAILS] = f"{RESTRICTED}: email addresses cannot be added."
    if errors:
        raise InvalidForm(errors)
