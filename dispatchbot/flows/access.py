"""Who may do what, decided server-side (hidden buttons are a courtesy, not a control).

Sensitive commands need an active participant holding Commander or Scribe; incident-only commands
need an incident channel; restricted incidents are visible to their active participants only.
"""

from __future__ import annotations

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Participant
from dispatchbot.errors import Forbidden, NotFound, UserFacingError
from dispatchbot.mrkdwn import md, mention


async def incident_in_channel(deps: Deps, channel_id: str, command: str) -> Incident:
    """The incident whose channel this is, or a message saying where the command works."""
    incident = await deps.incidents.by_channel(channel_id)
    if incident is None:
        raise UserFacingError(
            f"`{command}` works only in an incident channel. Run it in the incident's channel."
        )
    return incident


async def managed_incident_in_channel(
    deps: Deps, channel_id: str, user_id: str, command: Command, action: str
) -> Incident:
    """The incident of this channel, if the caller is its active commander or scribe: where a sensitive
    command runs, and who may run it."""
    incident = await incident_in_channel(deps, channel_id, deps.settings.commands.name(command))
    await require_manager(deps, incident, user_id, action)
    return incident


async def require_manager(deps: Deps, incident: Incident, user_id: str, action: str) -> Participant:
    """The caller as an active Commander or Scribe of the incident, or `Forbidden` with who can."""
    participant = await deps.participants.get(incident.id, user_id)
    if participant is None or not participant.active or not participant.manages:
        raise Forbidden(
            md(
                "Only the incident commander ({commander}) or the scribe can {action}.",
                commander=mention(incident.commander_id),
                action=action,
            )
        )
    return participant


async def can_see(deps: Deps, incident: Incident, user_id: str) -> bool:
    if not incident.restricted:
        return True
    participant = await deps.participants.get(incident.id, user_id)
    return participant is not None and participant.active


async def visible_incident(deps: Deps, incident_id: int, user_id: str) -> Incident:
    """The incident if this person may see it; a restricted one looks exactly like a missing one."""
    try:
        incident = await deps.incidents.get(incident_id)
    except NotFound:
        incident = None
    if incident is None or not await can_see(deps, incident, user_id):
        raise NotFound("That incident does not exist or is not visible to you.")
    return incident
