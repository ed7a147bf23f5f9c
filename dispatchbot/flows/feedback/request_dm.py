"""The feedback request DM, answered: incident and shift feedback both turn it into a thank-you in place."""

from __future__ import annotations

from dispatchbot.blocks.common import Message
from dispatchbot.blocks.feedback.feedback import Surface
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError

GONE = frozenset({"message_not_found", "channel_not_found"})


async def replace(deps: Deps, surface: Surface | None, message: Message) -> str | None:
    """Show `message` in place of the request DM. Returns Slack's error when the DM is gone (deleted
    meanwhile: it needs no thanks, and the answer is stored all the same), for the caller to log."""
    if surface is None:
        return None
    text, blocks = message
    try:
        await deps.slack.update_message(surface.channel, surface.ts, text, blocks)
    except ProviderError as exc:
        if exc.detail not in GONE:
            raise
        return exc.detail
    return None
