"""The Snooze button on a case's message and the snooze form it opens (issue 11 item 4)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.alerts.snooze import read_snooze_form
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import snooze
from dispatchbot.handlers.cases.buttons import case_id
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.OPEN_SNOOZE_CASE)
    async def on_open_snooze(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user, snoozed = body["user"]["id"], case_id(action)
        await deps.cases.get(snoozed, user)  # refused before the ack when it is not theirs to see
        await ack()
        deps.background.spawn(
            snooze.open_form(deps, body["trigger_id"], snoozed, user), name="open-snooze-form"
        )

    @router.view(CallbackId.SNOOZE_SIGNAL)
    async def on_snooze(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form, user = read_snooze_form(view), body["user"]["id"]  # InvalidForm → inline errors
        detail = await deps.snoozes.snooze(form.signal, form.entities, user, form.expires, form.case_id)
        await ack()
        if form.case_id is None and form.channel:  # a case's thread says it through its timeline
            deps.background.spawn(snooze.say_snoozed(deps, form.channel, user, detail), name="say-snoozed")
