"""On-call in Slack: `/dispatch-engage-oncall` and its modal.

The command is refused before the ack outside an incident channel and for people not taking part;
with no services configured it answers in the ack how to add them. The submission is checked again
and handed to a durable run; the modal says "working" until the run replaces it with the outcome.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.oncall import oncall as oncall_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.oncall import engage_oncall
from dispatchbot.handlers.router import Router
from dispatchbot.ids import CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.ENGAGE_ONCALL))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await engage_oncall.incident_for_command(deps, body["channel_id"], user)
        if not deps.settings.services:
            await ack(response_type="ephemeral", text=oncall_blocks.NO_SERVICES_TEXT)
            return
        await ack()
        deps.background.spawn(
            engage_oncall.open_form(deps, body["trigger_id"], incident, user), name="open-engage-oncall"
        )

    @router.view(CallbackId.ENGAGE_ONCALL)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = oncall_blocks.read_engage_form(view, deps.settings.services)  # InvalidForm → inline errors
        await engage_oncall.submit(deps, view["id"], form, body["user"]["id"])
        await ack(response_action="update", view=oncall_blocks.engaging_modal(form))
