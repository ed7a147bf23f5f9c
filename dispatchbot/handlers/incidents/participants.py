"""Participants: `/dispatch-list-participants` and `/dispatch-update-participant` with its modal."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.blocks.incidents.participants import read_reason_form
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import participants
from dispatchbot.handlers.answers import ack_then_answer
from dispatchbot.handlers.router import Router
from dispatchbot.ids import CallbackId


def register(router: Router, deps: Deps) -> None:
    list_command = deps.settings.commands.name(Command.LIST_PARTICIPANTS)
    update_command = deps.settings.commands.name(Command.UPDATE_PARTICIPANT)

    @router.command(list_command)
    async def on_list(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        channel, user = body["channel_id"], body["user_id"]
        await ack_then_answer(
            deps,
            ack,
            body,
            respond,
            lambda: participants.listing(deps, channel, user, list_command),
            "list-participants",
        )

    @router.command(update_command)
    async def on_update(ack: AsyncAck, body: dict[str, Any]) -> None:
        incident, caller = await participants.update_form_for(
            deps, body["channel_id"], body["user_id"], update_command
        )
        await ack()
        deps.background.spawn(
            participants.open_update_form(deps, body["trigger_id"], incident, caller),
            name="open-update-participant",
        )

    @router.view(CallbackId.UPDATE_PARTICIPANT)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_reason_form(view)  # InvalidForm → inline errors
        answer = await participants.update_reason(deps, form, body["user"]["id"])
        await ack(response_action="update", view=answer)
