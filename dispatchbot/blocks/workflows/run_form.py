"""The modal of `/dispatch-run-workflow`, and its submission read back into a checked `RunForm`.

It opens with a select of the configured workflows; choosing one redraws it (`dispatch_action`) with the
workflow's description, a Reason and one input per parameter, prefilled with its default. The incident
or case it runs for rides in private_metadata with the workflow the form was drawn for: the metadata is
the person's to tamper with, so it only says what to check again, never who may run it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dispatchbot.alerting.cases import case_name
from dispatchbot.blocks.common import (
    MAX_OPTIONS,
    MODAL_BLOCK_LIMIT,
    OPTION_TEXT_LIMIT,
    context,
    modal,
    option,
    plain,
    state_value,
    text_input,
)
from dispatchbot.blocks.workflows.run_message import REASON_LIMIT
from dispatchbot.config import WorkflowParameterSettings, WorkflowSettings
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import md

VALUE_LIMIT = 2000
"""A parameter's value, as long as its configured default may be."""
PARAMETER_PREFIX = "parameter:"
PARAMETERS_SHOWN = MODAL_BLOCK_LIMIT - 4
"""Inputs beside the intro, the select, the description and the reason; further parameters (a config
far beyond any real workflow's) keep their defaults."""
HINT_LIMIT = 2000


@dataclass(frozen=True)
class RunFor:
    """The incident or the case a workflow is run for (exactly one of the two ids)."""

    incident_id: int | None = None
    case_id: int | None = None

    @property
    def name(self) -> str:
        """INC-3 or CASE-2, which is all the form shows of it: a redraw reads nothing to show more."""
        return f"INC-{self.incident_id}" if self.incident_id is not None else case_name(self.case_id or 0)

    @property
    def kind(self) -> str:
        return "incident" if self.incident_id is not None else "case"


@dataclass(frozen=True)
class RunForm:
    """A submitted run modal, checked against the workflow as it is configured now."""

    workflow: str
    reason: str
    params: dict[str, str]
    """One value per configured parameter ("" for an optional one left empty)."""


def run_modal(
    run_for: RunFor, workflows: Sequence[WorkflowSettings], chosen: WorkflowSettings | None = None
) -> dict[str, Any]:
    """The form before a workflow is chosen, or drawn for `chosen`."""
    intro = md("Runs for *{name}*. Its progress is posted where {name} is discussed.", name=run_for.name)
    blocks = [context(intro), _workflow_select(workflows, chosen)]
    if chosen is not None:
        if chosen.description:
            blocks.append(context(md("{description}", description=chosen.description)))
        blocks.append(
            text_input(
                BlockId.REASON,
                "Reason",
                multiline=True,
                max_length=REASON_LIMIT,
                placeholder="Why run it now? Shown in the channel with the run.",
            )
        )
        blocks += [_parameter_input(parameter) for parameter in chosen.parameters[:PARAMETERS_SHOWN]]
    metadata: dict[str, Any] = {"incident_id": run_for.incident_id, "case_id": run_for.case_id}
    if chosen is not None:
        metadata["workflow"] = chosen.name
    return modal(
        CallbackId.RUN_WORKFLOW, "Run a workflow", blocks, submit="Run", private_metadata=json.dumps(metadata)
    )


def read_run_for(view: dict[str, Any]) -> RunFor | None:
    """The incident or case the form says it is for; None when its metadata is not ours."""
    metadata = _metadata(view)
    incident_id, case_id = metadata.get("incident_id"), metadata.get("case_id")
    if isinstance(incident_id, int) and case_id is None:
        return RunFor(incident_id=incident_id)
    if isinstance(case_id, int) and incident_id is None:
        return RunFor(case_id=case_id)
    return None


def read_chosen(action: dict[str, Any]) -> str:
    """The workflow name picked in the select (the `block_actions` of its `dispatch_action`)."""
    return str((action.get("selected_option") or {}).get("value") or "")


def read_run_form(view: dict[str, Any], workflows: Sequence[WorkflowSettings]) -> RunForm:
    """The submission, checked: a workflow still configured and drawn in this form, a reason, and every
    required parameter filled, each value within its limit. `InvalidForm` names the fields at fault."""
    values = view["state"]["values"]
    name = str(state_value(values, BlockId.WORKFLOW) or "")
    workflow = next((entry for entry in workflows if entry.name == name), None)
    if workflow is None:
        raise InvalidForm({BlockId.WORKFLOW: "That workflow is not configured any more: choose another."})
    if _metadata(view).get("workflow") != name or BlockId.REASON not in values:
        raise InvalidForm(
            {BlockId.WORKFLOW: "Wait until the form shows this workflow's inputs, then run it."}
        )
    errors: dict[str, str] = {}
    reason = str(state_value(values, BlockId.REASON)).strip()
    if not reason:
        errors[BlockId.REASON] = "Say why you run it."
    elif len(reason) > REASON_LIMIT:
        errors[BlockId.REASON] = f"At most {REASON_LIMIT} characters."
    params: dict[str, str] = {}
    for parameter in workflow.parameters:
        block_id = parameter_block(parameter.key)
        shown = block_id in values
        value = str(state_value(values, block_id)) if shown else parameter.default
        params[parameter.key] = value
        if len(value) > VALUE_LIMIT:
            errors[block_id] = f"At most {VALUE_LIMIT} characters."
        elif parameter.required and not value.strip():
            if not shown:  # the config changed since the form was drawn: there is no input to point at
                raise InvalidForm({BlockId.WORKFLOW: "This workflow changed: choose it again."})
            errors[block_id] = f"{parameter.key} is required."
    if errors:
        raise InvalidForm(errors)
    return RunForm(workflow=name, reason=reason, params=params)


def parameter_block(key: str) -> str:
    """The block id (and action id) of a parameter's input: keyed by the parameter, so a value typed
    in it stays when the person switches to another workflow with the same parameter."""
    return f"{PARAMETER_PREFIX}{key}"


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What `run_modal` put in private_metadata; {} for anything else."""
    try:
        metadata = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _workflow_select(
    workflows: Sequence[WorkflowSettings], chosen: WorkflowSettings | None
) -> dict[str, Any]:
    """A required select that tells the bot at once when a workflow is picked, so it can redraw."""
    options = []
    for workflow in workflows[:MAX_OPTIONS]:
        entry = option(workflow.name)
        if workflow.description:
            entry["description"] = plain(workflow.description, OPTION_TEXT_LIMIT)
        options.append(entry)
    element: dict[str, Any] = {"type": "static_select", "action_id": BlockId.WORKFLOW, "options": options}
    element["placeholder"] = plain("Choose a workflow", 150)
    initial = next((entry for entry in options if chosen and entry["value"] == chosen.name), None)
    if initial is not None:
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": BlockId.WORKFLOW,
        "dispatch_action": True,
        "label": plain("Workflow"),
        "element": element,
    }


def _parameter_input(parameter: WorkflowParameterSettings) -> dict[str, Any]:
    block = text_input(
        parameter_block(parameter.key),
        parameter.key,
        initial=parameter.default,
        max_length=VALUE_LIMIT,
        optional=not parameter.required,
    )
    if parameter.description:
        block["hint"] = plain(parameter.description, HINT_LIMIT)
    return block
