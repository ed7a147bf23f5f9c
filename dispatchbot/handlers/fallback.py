"""Catch-alls, registered last: whatever no other handler takes is still acknowledged.

Bolt does not ack a request no listener matched, so a person would see Slack's timeout error and
Slack would redeliver the event three times. Here a command gets a plain answer, and events,
actions, shortcuts and submissions are acked quietly.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ANYTHING = re.compile(".*")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(ANYTHING)
    async def unknown_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        command = body.get("command", "")
        await ack(
            response_type="ephemeral", text=f"`{command}` is not available in this version of dispatchbot."
        )
        log.info("request.unknown_command", command=command)

    @app.event(ANYTHING)
    async def other_event() -> None:
        """Events we do not act on (yet) still count as delivered."""

    @app.action(ANYTHING)
    async def other_action(ack: AsyncAck) -> None:
        await ack()

    @app.shortcut(ANYTHING)
    async def other_shortcut(ack: AsyncAck) -> None:
        await ack()

    @app.view(ANYTHING)
    async def other_view(ack: AsyncAck) -> None:
        await ack()
