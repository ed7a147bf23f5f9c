"""Assigning roles: the slash command, the pinned header's "Assign role" button and the modal."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.assign_role import read_assign_role_form
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows import access
from dispatchbot.flows.incidents import assign_role
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    command = deps.settings.commands.name(Command.ASSIGN_ROLE)

    @router.command(command)
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await access.incident_in_channel(deps, body["channel_id"], command)
        await assign_role.authorize(deps, incident, user)
        await ack()
        deps.background.spawn(
            assign_role.open_form(deps, body["trigger_id"], user, incident), name="open-assign-role"
        )

    @router.action(ActionId.OPEN_ASSIGN_ROLE)
    async def on_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        incident = await deps.incidents.get(int(body["actions"][0]["value"]))
        await assign_role.authorize(deps, incident, user)  # the button is on every header: re-check
        await ack()
        deps.background.spawn(
            assign_role.open_form(deps, body["trigger_id"], user, incident), name="open-assign-role"
        )

    @router.view(CallbackId.ASSIGN_ROLE)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_assign_role_form(view)  # InvalidForm → inline errors
        answer = await assign_role.submit(deps, view["id"], form, body["user"]["id"])
        await ack(response_action="update", view=answer)
