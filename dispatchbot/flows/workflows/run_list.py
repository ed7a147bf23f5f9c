"""`/dispatch-list-workflows`: the workflows run for this incident or case, in a modal.

Whoever may see the incident or case may list its runs (checked before the ack); reads only.
"""

from __future__ import annotations

from dispatchbot.blocks.workflows.run_form import RunFor
from dispatchbot.blocks.workflows.run_list import run_list_modal
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows import forms
from dispatchbot.flows.workflows import access


async def check(deps: Deps, channel_id: str, text: str, user_id: str) -> RunFor:
    run_for = await access.commanded(deps, Command.LIST_WORKFLOWS, channel_id, text)
    await access.may_see(deps, run_for, user_id)
    return run_for


async def open_list(deps: Deps, trigger_id: str, user_id: str, run_for: RunFor) -> None:
    """The runs newest first; a workflow still configured is described as it is configured now."""
    runs = (
        await deps.workflow_runs.for_incident(run_for.incident_id)
        if run_for.incident_id is not None
        else await deps.workflow_runs.for_case(run_for.case_id or 0)
    )
    descriptions = {workflow.name: workflow.description for workflow in deps.settings.workflows}
    await forms.show(deps, trigger_id, run_list_modal(run_for, runs, descriptions), user_id)
