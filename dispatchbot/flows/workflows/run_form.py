"""`/dispatch-run-workflow`: the run modal opened, redrawn for the chosen workflow, and submitted.

Who may run is checked before the command's ack and again on submission (the form may have stayed
open while the person left the incident; its metadata is theirs to tamper with). The submission starts
the durable run keyed by the view's id, so a double submit or a redelivery starts one run; the modal
closes and the run's message in the channel says the rest.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.workflows.run_form import RunFor, read_run_for, read_run_form, run_modal
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound, ProviderError
from dispatchbot.flows import forms
from dispatchbot.flows.workflows import access
from dispatchbot.flows.workflows.run_workflow import RunRequest, start
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def check(deps: Deps, channel_id: str, text: str, user_id: str) -> RunFor:
    """What the command is for, once workflows exist and the person may run them there (before the ack)."""
    access.require_configured(deps)
    run_for = await access.commanded(deps, Command.RUN_WORKFLOW, channel_id, text)
    await access.may_run(deps, run_for, user_id)
    return run_for


async def open_form(deps: Deps, trigger_id: str, user_id: str, run_for: RunFor) -> None:
    await forms.show(deps, trigger_id, run_modal(run_for, deps.settings.workflows), user_id)


async def choose(deps: Deps, view: dict[str, Any], name: str) -> None:
    """Redraw the form for the workflow picked, unless the person changed it again meanwhile (the
    view's hash no longer matches: the later pick redraws it) or closed it."""
    run_for = read_run_for(view)
    if run_for is None:
        return
    redrawn = run_modal(run_for, deps.settings.workflows, deps.settings.workflow(name))
    try:
        await deps.slack.update_view(view["id"], redrawn, view_hash=view.get("hash"))
    except ProviderError as exc:
        log.info("workflows.form_not_redrawn", error=exc.detail)


async def submit(deps: Deps, view: dict[str, Any], user_id: str) -> None:
    """Start the run the form describes (`InvalidForm` → its fields' errors; a refusal → a notice)."""
    run_for = read_run_for(view)
    if run_for is None:
        raise NotFound("That incident or case does not exist or is not visible to you.")
    await access.may_run(deps, run_for, user_id)
    form = read_run_form(view, deps.settings.workflows)
    request = RunRequest(
        workflow=form.workflow,
        key=view["id"],
        params=form.params,
        reason=form.reason,
        requested_by=user_id,
        incident_id=run_for.incident_id,
        case_id=run_for.case_id,
    )
    await start(deps, request)
