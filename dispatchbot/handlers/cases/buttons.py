"""The buttons of a case's message (Triage, Resolve, Re-open, Create channel) and the resolve form.

Each change is decided and recorded before the ack, in one short transaction, so a refusal (someone
who may not, a case already closed, a double click) reaches the person through the global error
handler; what the message and its thread show next comes from delivery.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.alerts import case_message
from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound
from dispatchbot.flows import forms
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.TRIAGE_CASE)
    async def on_triage(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await deps.cases.triage(case_id(action), body["user"]["id"])
        await ack()

    @router.action(ActionId.OPEN_RESOLVE_CASE)
    async def on_open_resolve(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        case = await deps.cases.may_resolve(case_id(action), body["user"]["id"])
        await ack()
        deps.background.spawn(
            forms.show(deps, body["trigger_id"], case_message.resolve_modal(case), body["user"]["id"]),
            name="open-resolve-case",
        )

    @router.view(CallbackId.RESOLVE_CASE)
    async def on_resolve(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        resolved, reason, resolution = case_message.read_resolve_form(view)  # InvalidForm → inline errors
        await deps.cases.resolve(resolved, body["user"]["id"], reason, resolution)
        await ack()

    @router.action(ActionId.REOPEN_CASE)
    async def on_reopen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await deps.cases.reopen(case_id(action), body["user"]["id"])
        await ack()

    @router.action(ActionId.CREATE_CASE_CHANNEL)
    async def on_create_channel(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await deps.cases.request_channel(case_id(action), body["user"]["id"])  # delivery moves it
        await ack()


def case_id(action: dict[str, Any]) -> int:
    """The button's case id; a tampered value is answered like a case that is not visible."""
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise NotFound("That case does not exist or is not visible to you.") from None
