"""Updating an incident: the slash command, the pinned header's "Update incident" button and the modal.

Every entry point checks who is asking before anything opens, and the submission checks again (the
role may have moved while the form was open); refusals reach the person through the global error handler.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.update_incident import nothing_changed_modal, read_update_form
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident
from dispatchbot.flows.incidents import update_incident
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    def open_form(trigger_id: str, incident: Incident, user_id: str) -> None:
        deps.background.spawn(
            update_incident.open_form(deps, trigger_id, incident, user_id), name="open-update-form"
        )

    @router.command(deps.settings.commands.name(Command.UPDATE_INCIDENT))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await update_incident.incident_for_command(
            deps, body["channel_id"], body.get("text", ""), user
        )
        await ack()
        open_form(body["trigger_id"], incident, user)

    @router.action(ActionId.OPEN_UPDATE)
    async def on_header_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        incident = await update_incident.incident_for_button(deps, int(body["actions"][0]["value"]), user)
        await ack()
        open_form(body["trigger_id"], incident, user)

    @router.view(CallbackId.UPDATE_INCIDENT)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        edit = read_update_form(view["state"]["values"], deps.catalog)  # InvalidForm → inline errors
        unchanged = await update_incident.submit(
            deps, f"view:{view['id']}:{view['hash']}", int(view["private_metadata"]), edit, body["user"]["id"]
        )
        if unchanged is None:
            await ack()
        else:
            await ack(response_action="update", view=nothing_changed_modal(unchanged))
