"""Opening and editing cases by hand: `/dispatch-create-case`, the "Open a case" message shortcut, the
Edit button, `/dispatch-update-case CASE-7`, and the case form's two submissions.

Who may edit is decided before the ack (a refusal reaches the person through the global error handler)
and again on submission; the forms open after the ack (their channel check and on-call lookup call
Slack and the on-call provider).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import case_form, escalate
from dispatchbot.handlers.cases.buttons import case_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.CREATE_CASE))
    async def on_create_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        channel = str(body.get("channel_id") or "")
        case_form.check_somewhere(deps, channel)
        await ack()
        deps.background.spawn(
            case_form.open_create_form(
                deps, body["trigger_id"], body["user_id"], channel, description=body.get("text", "")
            ),
            name="open-create-case",
        )

    @router.shortcut(CallbackId.CREATE_CASE_SHORTCUT)
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        channel = str((body.get("channel") or {}).get("id") or "")
        case_form.check_somewhere(deps, channel)
        await ack()
        deps.background.spawn(
            case_form.open_for_message(
                deps, body["trigger_id"], body["user"]["id"], channel, body.get("message") or {}
            ),
            name="open-create-case",
        )

    @router.view(CallbackId.CREATE_CASE)
    async def on_create(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await case_form.create(deps, view, body["user"]["id"])  # InvalidForm → inline errors
        await ack()

    @router.action(ActionId.OPEN_EDIT_CASE)
    async def on_edit_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await _open_edit(deps, ack, body["trigger_id"], body["user"]["id"], case_id(action))

    @router.command(deps.settings.commands.name(Command.UPDATE_CASE))
    async def on_update_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        named = await escalate.commanded_case(deps, body.get("text", ""), body["channel_id"], "update")
        await _open_edit(deps, ack, body["trigger_id"], body["user_id"], named)

    @router.view(CallbackId.EDIT_CASE)
    async def on_edit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await case_form.edit(deps, view, body["user"]["id"])  # InvalidForm → inline errors
        await ack()


async def _open_edit(deps: Deps, ack: AsyncAck, trigger_id: str, user_id: str, edited: int) -> None:
    case = await deps.cases.may_edit(edited, user_id)
    await ack()
    deps.background.spawn(case_form.open_edit_form(deps, trigger_id, user_id, case), name="open-edit-case")
