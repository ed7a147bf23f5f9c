"""`/dispatch-list-cases`: acked at once, the ephemeral list of open cases follows (works anywhere)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import lists
from dispatchbot.handlers.answers import ack_then_answer
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.LIST_CASES))
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        user = body["user_id"]
        await ack_then_answer(deps, ack, body, respond, lambda: lists.answer(deps, user), "list-cases")
