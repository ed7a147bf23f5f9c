"""Escalating a case: its message's Escalate button and `/dispatch-escalate-case CASE-7`. Who may, and
whether the case can still be escalated, is decided before the ack (a refusal reaches the person through
the global error handler); the prefilled report form opens after it, and its submission is the report
form's, which escalates the case it names."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import escalate
from dispatchbot.handlers.cases.buttons import case_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.ESCALATE_CASE)
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await _open_form(deps, ack, body["trigger_id"], body["user"]["id"], case_id(action))

    @router.command(deps.settings.commands.name(Command.ESCALATE_CASE))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        named = await escalate.commanded_case(deps, body.get("text", ""), body["channel_id"])
        await _open_form(deps, ack, body["trigger_id"], body["user_id"], named)


async def _open_form(deps: Deps, ack: AsyncAck, trigger_id: str, user_id: str, escalated: int) -> None:
    case = await deps.cases.may_escalate(escalated, user_id)
    await ack()
    deps.background.spawn(escalate.open_form(deps, trigger_id, user_id, case.id), name="open-escalate-case")
