"""`/dispatch-list-incidents [filter text]`: answered in the ack, as an ephemeral list (works anywhere)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows import list_incidents
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.LIST_INCIDENTS))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        text, blocks = await list_incidents.answer(deps, body["user_id"], body.get("text", ""))
        await ack(response_type="ephemeral", text=text, blocks=blocks)
