"""The Declare incident button on an alert's message: acknowledged at once, then the report form opens
prefilled from the alert (its submission is the report form's, which declares from the alert it names)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.flows.alerts import declare
from dispatchbot.handlers.alerts.alerts import alert_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.DECLARE_FROM_ALERT)
    async def on_declare(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        work = declare.open_form(deps, body["trigger_id"], body["user"]["id"], alert_id(action))
        deps.background.spawn(work, name="open-declare-form")
