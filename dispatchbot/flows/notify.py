"""Tell the people who asked to know: notification channels, subscribers and the notifications group.

Restricted incidents never leave their channel: no notification channel and no subscriber; of the
notifications group only the people who are its participants are told.
A target that fails (a deleted channel, a deactivated person) is logged and skipped, never fatal.
"""

from __future__ import annotations

import asyncio

from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, MemberKind
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def notification_targets(deps: Deps, incident: Incident) -> list[str]:
    """Channel ids and user ids to tell about `incident`, without duplicates.

    For a restricted incident only the group's people who are active participants right now remain
    (someone may have left since they were added).
    """
    group = await deps.notification_group.members(incident.id)
    if incident.restricted:
        participants = {participant.user_id for participant in await deps.participants.members(incident.id)}
        return [user for user in dict.fromkeys(group[MemberKind.USER]) if user in participants]
    targets = list(deps.catalog.notification_channels(incident))
    targets += group[MemberKind.CHANNEL]
    targets += await deps.participants.subscribers(incident.id)
    targets += group[MemberKind.USER]
    return list(dict.fromkeys(targets))


async def send(deps: Deps, incident: Incident, event: str) -> None:
    text, blocks = incident_blocks.notification(incident, event=event)

    async def deliver(target: str) -> None:
        try:
            await deps.slack.post_message(target, text, blocks)
        except ProviderError as exc:
            log.warning("notification.failed", target=target, incident=incident.reference, error=exc.detail)

    await asyncio.gather(*(deliver(target) for target in await notification_targets(deps, incident)))
