"""What an incident shows people once something happened to it: the pinned header in its channel, as
text, and its timeline."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, Message


def header(slack: FakeSlack, channel: Channel) -> Message:
    """The incident channel's pinned message: the header."""
    [pinned] = [message for message in slack.messages(channel.id) if message.pinned]
    return pinned


def text_of(message: Message) -> str:
    """The text of a message's blocks (not of its fallback text), a block a line."""
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in message.blocks)


async def timeline(bot: Running, incident: Incident) -> list[str]:
    """The incident's timeline events, oldest first, by their description."""
    return [event.description for event in await bot.deps.incidents.timeline(incident.id)]
