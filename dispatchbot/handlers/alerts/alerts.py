"""The buttons of alerts: Acknowledge and Cancel acknowledgement on the alert message, Yes and No on a
self-service prompt.

Each decides and records before the ack (one short transaction), so a refusal (someone else's prompt, a
second acknowledgement) reaches the person through the global error handler; what Slack shows next
comes from delivery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound
from dispatchbot.flows.alerts import acknowledge, prompt_answer
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.ACKNOWLEDGE_ALERT)
    async def on_acknowledge(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await acknowledge.acknowledge(deps, alert_id(action), body["user"]["id"])
        await ack()

    @router.action(ActionId.CANCEL_ALERT_ACK)
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await acknowledge.cancel(deps, alert_id(action), body["user"]["id"])
        await ack()

    for action_id, yes in ((ActionId.ALERT_PROMPT_YES, True), (ActionId.ALERT_PROMPT_NO, False)):
        router.action(action_id)(_answer_handler(deps, yes=yes))


def _answer_handler(deps: Deps, *, yes: bool) -> Callable[..., Awaitable[None]]:
    async def on_answer(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        alert = await prompt_answer.record(deps, alert_id(action), body["user"]["id"], yes=yes)
        await ack()
        prompt = (body.get("container") or {}).get("channel_id"), (body.get("message") or {}).get("ts")
        if prompt[0] and prompt[1]:
            answered = prompt_answer.show(deps, alert, str(prompt[0]), str(prompt[1]), yes=yes)
            deps.background.spawn(answered, name="alert-prompt-answered")

    return on_answer


def alert_id(action: dict[str, Any]) -> int:
    """The button's alert id; a tampered value is answered like a missing alert."""
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise NotFound("That alert does not exist.") from None
