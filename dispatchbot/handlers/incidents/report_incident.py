"""Reporting an incident: the slash command, the message shortcut, the App Home button and the modal."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.report_incident import (
    creating_modal,
    read_alert_id,
    read_case_id,
    read_report_form,
)
from dispatchbot.deps import Deps
from dispatchbot.flows.alerts import declare
from dispatchbot.flows.cases import escalate
from dispatchbot.flows.incidents import report_incident
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.report_incident)
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.background.spawn(
            report_incident.open_form(
                deps, body["trigger_id"], body["user_id"], description=body.get("text", "")
            ),
            name="open-report-form",
        )

    @router.shortcut(CallbackId.REPORT_INCIDENT_SHORTCUT)
    async def on_message_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = body["user"]["id"]
        if body.get("message") and body.get("channel"):
            work = report_incident.open_form_for_message(
                deps, body["trigger_id"], user, body["channel"]["id"], body["message"]
            )
        else:
            work = report_incident.open_form(deps, body["trigger_id"], user)
        deps.background.spawn(work, name="open-report-form")

    @router.action(ActionId.OPEN_REPORT)
    async def on_home_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.background.spawn(
            report_incident.open_form(deps, body["trigger_id"], body["user"]["id"]), name="open-report-form"
        )

    @router.view(CallbackId.REPORT_INCIDENT)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft = read_report_form(view["state"]["values"], deps.catalog)  # InvalidForm → inline errors
        reporter, alert_id, case_id = body["user"]["id"], read_alert_id(view), read_case_id(view)
        if alert_id is not None:
            await declare.submit(deps, view["id"], draft, reporter, alert_id)
        elif case_id is not None:
            await escalate.submit(deps, view["id"], draft, reporter, case_id)
        else:
            await report_incident.submit(deps, view["id"], draft, reporter)
        await ack(response_action="update", view=creating_modal(draft))
