"""`/dispatch-notifications-group`: commander or scribe only, in the incident channel; a modal edits it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.notifications_group import read_group_form, saved_modal
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import notifications_group
from dispatchbot.handlers.router import Router
from dispatchbot.ids import CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.NOTIFICATIONS_GROUP))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await notifications_group.authorize(deps, body["channel_id"], user)
        await ack()
        deps.background.spawn(
            notifications_group.open_form(deps, incident, body["trigger_id"], user),
            name="open-notifications-group",
        )

    @router.view(CallbackId.NOTIFICATIONS_GROUP)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_group_form(view["state"]["values"])  # InvalidForm → inline errors
        incident = await notifications_group.save(
            deps, int(view["private_metadata"]), body["user"]["id"], form
        )
        await ack(response_action="update", view=saved_modal(incident, form))
