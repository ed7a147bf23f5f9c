"""Fallbacks: whatever no other handler takes is still acknowledged.

Unacknowledged, a person would see Slack's timeout error and Slack would redeliver an event three
times. Here an unknown command gets a plain answer, and events, actions, shortcuts and submissions
are acked quietly.
"""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.handlers.router import Router
from dispatchbot.logs import get_logger

log = get_logger(__name__)


def register(router: Router, deps: Deps) -> None:
    @router.fallback("command")
    async def unknown_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        command = body.get("command", "")
        await ack(
            response_type="ephemeral", text=f"`{command}` is not available in this version of dispatchbot."
        )
        structlog.contextvars.bind_contextvars(outcome="unknown_command")
        log.debug("request.unknown_command", command=command)

    async def acknowledge(ack: AsyncAck) -> None:
        """Requests we do not act on (yet) still count as delivered."""
        await ack()

    for kind in ("event", "action", "shortcut", "view"):
        router.fallback(kind)(acknowledge)
