"""Keep an incident's channel telling the truth: the pinned header and the topic follow every change."""

from __future__ import annotations

import asyncio

from dispatchbot.blocks.common import Message
from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def header(deps: Deps, incident: Incident) -> Message:
    """The pinned header as it should read now, pages and documents included."""
    pages, documents = await asyncio.gather(
        deps.oncall.pages(incident.id), deps.documents.for_incident(incident.id)
    )
    return incident_blocks.header_message(incident, incident_blocks.HeaderExtras(pages, documents))


async def refresh(deps: Deps, incident: Incident) -> None:
    """Edit the pinned header in place and reset the topic (concurrently); the archive skips both."""
    if incident.channel_id is None:
        return
    channel = incident.channel_id

    async def pinned() -> None:
        if incident.header_ts:
            text, blocks = await header(deps, incident)
            await deps.slack.update_message(channel, incident.header_ts, text, blocks)

    async def topic() -> None:
        commander = await deps.slack.user(incident.commander_id)
        await deps.slack.set_topic(channel, incident_blocks.topic(incident, commander.name))

    results = await asyncio.gather(pinned(), topic(), return_exceptions=True)
    for result in results:
        if isinstance(result, ProviderError):
            log.warning("incident.refresh_failed", incident=incident.reference, error=result.detail)
        elif isinstance(result, BaseException):
            raise result
