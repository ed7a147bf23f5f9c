"""The close reminder's Close button on its DM (its sender is declared in `dispatchbot.features`).

The click is checked before the ack (refusals reach the person through the global error handler); the
close itself is a durable run of the update-incident steps, keyed by the DM so a double click is one close.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import close_reminders, update_incident
from dispatchbot.flows.incidents.update_incident_run import MessageRef
from dispatchbot.handlers.incidents.join_subscribe import incident_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId

CLOSING = close_reminders.closing_flow(update_incident.UPDATE_INCIDENT)


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.CLOSE_INCIDENT)
    async def on_close(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        container = body.get("container") or {}
        message = MessageRef(channel=container.get("channel_id", ""), ts=container.get("message_ts", ""))
        await close_reminders.close(deps, CLOSING, incident_id(action), body["user"]["id"], message)
        await ack()
