"""The Join and Subscribe buttons (on notifications, the pinned header and App Home).

Refusals are decided before the ack (the global error handler answers them); the invite and the answer
follow in the background, through the response_url when there is one (a DM from App Home).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound
from dispatchbot.flows.incidents import app_home, join_subscribe
from dispatchbot.handlers.errors import tell_user
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.JOIN_INCIDENT)
    async def on_join(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        user = body["user"]["id"]
        incident = await join_subscribe.joinable(deps, incident_id(action), user)
        await ack()
        deps.background.spawn(
            _answer(deps, body, respond, join_subscribe.join(deps, incident, user)), name="join-incident"
        )

    @router.action(ActionId.SUBSCRIBE)
    async def on_subscribe(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        text = await join_subscribe.subscribe(deps, incident_id(action), body["user"]["id"])
        await ack()
        deps.background.spawn(tell_user(deps, body, text, respond), name="subscribe-answer")


def incident_id(action: dict[str, Any]) -> int:
    """The button's incident id; a tampered value gets the same answer as an invisible incident."""
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise NotFound("That incident does not exist or is not visible to you.") from None


async def _answer(deps: Deps, body: dict[str, Any], respond: AsyncRespond, work: Awaitable[Mrkdwn]) -> None:
    text = await work
    await tell_user(deps, body, text, respond)
    if (body.get("view") or {}).get("type") == "home":
        await app_home.publish(deps, body["user"]["id"])  # the incident moves to "Your open incidents"
