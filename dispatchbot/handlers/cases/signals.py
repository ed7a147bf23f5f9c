"""`/dispatch-list-signals` and its buttons: Previous/Next replace the list in place; Snooze opens the
snooze form for that signal (said in this channel when made and when it ends)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.blocks.alerts.signal_list import read_page, read_snooze_button
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import signals
from dispatchbot.handlers.answers import ack_then_answer
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.LIST_SIGNALS))
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        channel = body["channel_id"]
        await ack_then_answer(
            deps, ack, body, respond, lambda: signals.answer(deps, channel, 0), "list-signals"
        )

    @router.action(ActionId.SIGNALS_PAGE)
    async def on_page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        channel, page = read_page(str(action.get("value", "")))
        if channel:
            text, blocks = await signals.answer(deps, channel, page)
            await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)

    @router.action(ActionId.OPEN_SNOOZE_SIGNAL)
    async def on_snooze(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        signal, channel = read_snooze_button(str(action.get("value", "")))
        signals.require_signal(deps, signal)
        await ack()
        deps.background.spawn(
            signals.open_snooze_form(deps, body["trigger_id"], body["user"]["id"], signal, channel),
            name="open-signal-snooze",
        )
