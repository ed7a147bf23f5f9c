"""Confirm and Deny on an engagement prompt, and the form that takes the person's context.

Who may answer is checked before the ack (anyone but the person asked, or a second answer, is refused
privately through the global error handler), and again, under the case's lock, when the form is
submitted; the prompt is edited after the ack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.alerts.engagement import read_answer_form
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import engagement
from dispatchbot.handlers.cases.buttons import case_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    for action_id, confirmed in ((ActionId.CONFIRM_ENGAGEMENT, True), (ActionId.DENY_ENGAGEMENT, False)):
        router.action(action_id)(_button_handler(deps, confirmed=confirmed))

    @router.view(CallbackId.ANSWER_ENGAGEMENT)
    async def on_answer(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        answer = read_answer_form(view)  # InvalidForm → inline errors
        case = await engagement.answer(deps, answer, body["user"]["id"])
        await ack()
        deps.background.spawn(engagement.show_answer(deps, case, answer), name="case-engagement-answered")


def _button_handler(deps: Deps, *, confirmed: bool) -> Callable[..., Awaitable[None]]:
    async def on_click(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        case = await deps.cases.engagements.may_answer(case_id(action), body["user"]["id"])
        await ack()
        form = engagement.open_form(
            deps,
            body["trigger_id"],
            body["user"]["id"],
            case,
            body.get("container") or {},
            confirmed=confirmed,
        )
        deps.background.spawn(form, name="open-case-engagement-form")

    return on_click
