"""`/dispatch-list-incidents [filter text]`: acked at once, the ephemeral list follows (works anywhere)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import list_incidents
from dispatchbot.handlers.answers import ack_then_answer
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.LIST_INCIDENTS))
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        user, search = body["user_id"], body.get("text", "")
        await ack_then_answer(
            deps, ack, body, respond, lambda: list_incidents.answer(deps, user, search), "list-incidents"
        )
