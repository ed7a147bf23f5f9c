"""Use cases: Join (get invited to an incident's channel) and Subscribe (a DM for every update).

Both buttons travel on notifications that anyone may forward, so every click is re-checked here: a
restricted incident looks exactly like a missing one to non-participants, and a closed one is refused.
"""

from __future__ import annotations

from dispatchbot.blocks.incidents import join_subscribe as answers
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Role, Status
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.flows.access import visible_incident
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn

log = get_logger(__name__)

JOIN_REASON = Mrkdwn("Joined from a notification")


async def joinable(deps: Deps, incident_id: int, user_id: str) -> Incident:
    """The incident if this person may join it now; checked before the ack so refusals are immediate."""
    incident = await _open_incident(deps, incident_id, user_id)
    if incident.channel_id is None:
        raise UserFacingError(answers.not_ready(incident))
    return incident


async def join(deps: Deps, incident: Incident, user_id: str) -> Mrkdwn:
    """Invite the person (unless already in) and count them as an Observer; returns the answer to show.

    Slack sends no `member_joined_channel` for some invites (and the channel-events handler is idempotent
    when it does), so the participant is recorded here too.
    """
    channel = incident.channel_id
    assert channel is not None
    try:
        already = user_id in await deps.slack.members(channel)
        if not already:
            await deps.slack.invite(channel, [user_id])
    except ProviderError as exc:
        log.warning("join.invite_failed", incident=incident.reference, error=exc.detail)
        return answers.invite_failed(incident)
    await deps.participants.add(incident.id, user_id, Role.OBSERVER, added_by=None, reason=JOIN_REASON)
    return answers.already_in(incident) if already else answers.joined(incident)


async def subscribe(deps: Deps, incident_id: int, user_id: str) -> Mrkdwn:
    """Record the subscription (idempotent); `flows/notify.send` DMs subscribers on every update."""
    incident = await _open_incident(deps, incident_id, user_id)
    if incident.restricted:
        # Only a participant gets this far, and restricted updates never leave the channel anyway.
        raise UserFacingError(answers.restricted(incident))
    if await deps.participants.subscribe(incident.id, user_id):
        return answers.subscribed(incident)
    return answers.already_subscribed(incident)


async def _open_incident(deps: Deps, incident_id: int, user_id: str) -> Incident:
    incident = await visible_incident(deps, incident_id, user_id)
    if incident.status is Status.CLOSED:
        raise UserFacingError(answers.closed(incident))
    return incident
