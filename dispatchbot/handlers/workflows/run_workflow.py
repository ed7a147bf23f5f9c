"""`/dispatch-run-workflow` (its modal: the workflow picked, the submission) and `/dispatch-list-workflows`.

Where a command works and who may use it are decided before the ack, from the database only, so a
refusal is the ack's ephemeral answer (through the global error handler); the modals open after the
ack. The submission is checked inside its ack, so field errors show on the form.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.workflows.run_form import read_chosen
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.workflows import run_form, run_list
from dispatchbot.handlers.router import Router
from dispatchbot.ids import BlockId, CallbackId


def register(router: Router, deps: Deps) -> None:
    @router.command(deps.settings.commands.name(Command.RUN_WORKFLOW))
    async def on_run_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        run_for = await run_form.check(deps, body["channel_id"], body.get("text", ""), body["user_id"])
        await ack()
        opening = run_form.open_form(deps, body["trigger_id"], body["user_id"], run_for)
        deps.background.spawn(opening, name="open-run-workflow")

    @router.action(BlockId.WORKFLOW)  # the select's action_id is its block's id, as for every input
    async def on_workflow_chosen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.background.spawn(
            run_form.choose(deps, body["view"], read_chosen(action)), name="redraw-run-workflow"
        )

    @router.view(CallbackId.RUN_WORKFLOW)
    async def on_run(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await run_form.submit(deps, view, body["user"]["id"])  # InvalidForm → inline errors
        await ack()

    @router.command(deps.settings.commands.name(Command.LIST_WORKFLOWS))
    async def on_list_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        run_for = await run_list.check(deps, body["channel_id"], body.get("text", ""), body["user_id"])
        await ack()
        deps.background.spawn(
            run_list.open_list(deps, body["trigger_id"], body["user_id"], run_for), name="open-list-workflows"
        )
