"""Feedback in Slack: the Provide feedback buttons (incident and on-call shift DMs) and their modals.

Who may answer is checked on the click and again on the submission, before the ack, so refusals and
field errors reach the person through the ack. The answer is stored before the ack too (one quick
upsert); the thank-you edit of the DM follows after it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.feedback import feedback as feedback_blocks
from dispatchbot.blocks.feedback.feedback import Surface
from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound
from dispatchbot.flows.feedback import feedback, shift_feedback
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.PROVIDE_FEEDBACK)
    async def on_provide(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body["user"]["id"]
        incident = await feedback.incident_for(deps, _id(action), user)
        await ack()
        deps.background.spawn(
            feedback.open_form(deps, body["trigger_id"], incident, user, _surface(body)), name="open-feedback"
        )

    @router.view(CallbackId.FEEDBACK)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        incident_id, surface = feedback_blocks.read_feedback_context(view["private_metadata"])
        form = feedback_blocks.read_feedback_form(view["state"]["values"])  # InvalidForm → inline errors
        incident = await feedback.submit(deps, incident_id, body["user"]["id"], form)
        await ack()
        deps.background.spawn(feedback.thank(deps, incident, form, surface), name="thank-for-feedback")

    @router.action(ActionId.PROVIDE_SHIFT_FEEDBACK)
    async def on_provide_shift(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        request = await shift_feedback.request_for(deps, _id(action), body["user"]["id"])
        await ack()
        deps.background.spawn(
            shift_feedback.open_form(deps, body["trigger_id"], request, _surface(body)),
            name="open-shift-feedback",
        )

    @router.view(CallbackId.SHIFT_FEEDBACK)
    async def on_submit_shift(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        request_id, surface = feedback_blocks.read_shift_context(view["private_metadata"])
        request = await shift_feedback.request_for(deps, request_id, body["user"]["id"])
        form = shift_feedback.read_form(request, view["state"]["values"])  # InvalidForm → inline errors
        answered = await shift_feedback.submit(deps, request, form)
        await ack()
        deps.background.spawn(shift_feedback.thank(deps, answered, surface), name="thank-for-shift-feedback")


def _id(action: dict[str, Any]) -> int:
    """The button's id; a tampered value gets the same answer as a missing request."""
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise NotFound("That feedback request does not exist.") from None


def _surface(body: dict[str, Any]) -> Surface | None:
    """The DM the button was clicked in, so the submission can turn it into a thank-you."""
    container = body.get("container") or {}
    if container.get("type") == "message" and container.get("channel_id") and container.get("message_ts"):
        return Surface(str(container["channel_id"]), str(container["message_ts"]))
    return None
