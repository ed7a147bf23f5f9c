"""The close reminder: its sender, and the Close button on its DM.

The click is checked before the ack (refusals reach the person through the global error handler); the
close itself is a durable run of the update-incident steps, keyed by the DM so a double click is one close.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import close_reminders, update_incident
from dispatchbot.handlers.incidents.join_subscribe import incident_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    deps.reminder_senders[close_reminders.KIND] = close_reminders.send
    closing = close_reminders.closing_flow(update_incident.UPDATE_INCIDENT)
    deps.runs.register(closing)

    @router.action(ActionId.CLOSE_INCIDENT)
    async def on_close(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        container = body.get("container") or {}
        message = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
        await close_reminders.close(deps, closing, incident_id(action), body["user"]["id"], message)
        await ack()
