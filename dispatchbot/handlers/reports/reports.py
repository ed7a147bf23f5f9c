"""Reports in Slack: the tactical and executive commands and modals, and the reminder DM's controls.

Every entry point checks who is asking before anything opens (a submission and each click check
again: the role may have moved meanwhile); refusals reach the person through the global error handler.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.blocks.reports.reports import CALLBACKS, read_report_form
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, ReportKind
from dispatchbot.flows.reports import report_executive, report_reminders, report_tactical
from dispatchbot.flows.reports.report_run import ReportFlow
from dispatchbot.handlers.errors import tell_user
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId

Opener = Callable[[Deps, str, Incident, str], Coroutine[Any, Any, None]]

FLOWS: dict[ReportKind, ReportFlow] = {
    ReportKind.TACTICAL: report_tactical.TACTICAL_REPORT,
    ReportKind.EXECUTIVE: report_executive.EXECUTIVE_REPORT,
}
OPENERS: dict[ReportKind, Opener] = {
    ReportKind.TACTICAL: report_tactical.open_form,
    ReportKind.EXECUTIVE: report_executive.open_form,
}


def register(router: Router, deps: Deps) -> None:
    for kind in FLOWS:
        _register_kind(router, deps, kind)

    @router.action(ActionId.WRITE_REPORT)
    async def on_write_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body["user"]["id"]
        kind, incident = await report_tactical.incident_for_button(deps, str(action.get("value", "")), user)
        await ack()
        _open(deps, kind, body["trigger_id"], incident, user)

    @router.action(ActionId.SNOOZE_REPORT_REMINDER)
    async def on_snooze(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        value = str((action.get("selected_option") or {}).get("value", ""))
        answer = await report_reminders.snooze(deps, value, body["user"]["id"])
        await ack()
        deps.background.spawn(tell_user(deps, body, answer, respond), name="snooze-answer")


def _register_kind(router: Router, deps: Deps, kind: ReportKind) -> None:
    command = deps.settings.commands.name(report_reminders.COMMANDS[kind])

    @router.command(command)
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await report_tactical.incident_for_command(deps, body["channel_id"], user, kind)
        await ack()
        _open(deps, kind, body["trigger_id"], incident, user)

    @router.view(CALLBACKS[kind])
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        details = read_report_form(kind, view["state"]["values"])  # InvalidForm → inline errors
        await report_tactical.submit(
            deps, FLOWS[kind], kind, view["id"], int(view["private_metadata"]), details, body["user"]["id"]
        )
        await ack()


def _open(deps: Deps, kind: ReportKind, trigger_id: str, incident: Incident, user_id: str) -> None:
    deps.background.spawn(
        OPENERS[kind](deps, trigger_id, incident, user_id), name=f"open-{kind.value}-report-form"
    )
