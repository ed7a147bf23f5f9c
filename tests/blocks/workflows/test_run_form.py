"""The run modal: the workflow select that redraws it, the inputs drawn for the chosen workflow, and the
submission read back with what is wrong named on its field."""

from __future__ import annotations

import json
from typing import Any

from dispatchbot.blocks.workflows.run_form import (
    PARAMETERS_SHOWN,
    RunFor,
    RunForm,
    read_chosen,
    read_run_for,
    read_run_form,
    run_modal,
)
from dispatchbot.config import WorkflowParameterSettings
from dispatchbot.ids import BlockId, CallbackId
from tests.blocks.limits import valid_view
from tests.blocks.state import elements, refused, typed, values
from tests.blocks.texts import mrkdwn
from tests.blocks.workflows.form_samples import CASE, INCIDENT, workflow

ROLLBACK = workflow(name="Roll back", description="", parameters=[])
WORKFLOWS = [workflow(), ROLLBACK]


def submitted(view: dict[str, Any], **typed_values: str) -> dict[str, Any]:
    """`view` sent back with its initial values, `typed_values` (by block id) typed over them."""
    state: dict[str, Any] = {}
    for block_id, element in elements(view).items():
        if element["type"] == "static_select":
            option = element.get("initial_option")
            state[block_id] = {"type": "static_select", "selected_option": option}
        else:
            state[block_id] = typed(typed_values.get(block_id, element.get("initial_value", "")))
    return {"id": "V1", "private_metadata": view["private_metadata"], "state": {"values": values(**state)}}


def test_before_a_choice_only_the_workflows_are_offered_and_the_select_redraws_the_form() -> None:
    view = valid_view(run_modal(INCIDENT, WORKFLOWS))
    assert view["callback_id"] == CallbackId.RUN_WORKFLOW
    assert list(elements(view)) == [BlockId.WORKFLOW]
    [select] = [block for block in view["blocks"] if block.get("block_id") == BlockId.WORKFLOW]
    assert select["dispatch_action"] is True
    options = select["element"]["options"]
    assert [option["value"] for option in options] == ["Collect diagnostics", "Roll back"]
    assert options[0]["description"]["text"] == "Gathers logs and heap dumps from the affected hosts"
    assert "description" not in options[1]
    assert "*INC-3*" in mrkdwn(view)[0]
    assert read_run_for(view) == INCIDENT
    assert read_run_for(run_modal(CASE, WORKFLOWS)) == CASE


def test_the_chosen_workflow_brings_its_description_a_reason_and_its_parameters_with_defaults() -> None:
    view = valid_view(run_modal(CASE, WORKFLOWS, WORKFLOWS[0]))
    inputs = elements(view)
    assert list(inputs) == [BlockId.WORKFLOW, BlockId.REASON, "parameter:host", "parameter:depth"]
    assert inputs[BlockId.WORKFLOW]["initial_option"]["value"] == "Collect diagnostics"
    assert inputs["parameter:depth"]["initial_value"] == "2"
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks["parameter:host"]["optional"] is False
    assert blocks["parameter:host"]["hint"]["text"] == "the host to collect from"
    assert blocks["parameter:depth"]["optional"] is True
    assert blocks[BlockId.REASON]["optional"] is False
    assert any("Gathers logs" in text for text in mrkdwn(view))
    assert json.loads(view["private_metadata"]) == {
        "incident_id": None,
        "case_id": 2,
        "workflow": "Collect diagnostics",
    }


def test_a_workflow_with_more_parameters_than_a_modal_holds_keeps_the_rest_at_their_defaults() -> None:
    keys = [f"p{n}" for n in range(PARAMETERS_SHOWN + 5)]
    many = workflow(parameters=[WorkflowParameterSettings(key=key, default=key) for key in keys])
    view = valid_view(run_modal(INCIDENT, [many], many))
    form = read_run_form(submitted(view, reason="Because"), [many])
    assert form.params == {key: key for key in keys}


def test_the_submission_reads_back_every_parameter() -> None:
    view = run_modal(INCIDENT, WORKFLOWS, WORKFLOWS[0])
    sent = submitted(view, **{BlockId.REASON: " Heap grows ", "parameter:host": "db1", "parameter:depth": ""})
    assert read_run_form(sent, WORKFLOWS) == RunForm(
        workflow="Collect diagnostics", reason="Heap grows", params={"host": "db1", "depth": ""}
    )
    assert read_chosen({"selected_option": {"value": "Roll back"}}) == "Roll back"


def test_what_is_wrong_is_named_on_its_field() -> None:
    view = run_modal(INCIDENT, WORKFLOWS, WORKFLOWS[0])
    blank = submitted(view, **{BlockId.REASON: "  ", "parameter:host": " "})
    assert refused(lambda: read_run_form(blank, WORKFLOWS)) == {
        BlockId.REASON: "Say why you run it.",
        "parameter:host": "host is required.",
    }
    long = submitted(view, **{BlockId.REASON: "x" * 1001, "parameter:host": "y" * 2001})
    assert refused(lambda: read_run_form(long, WORKFLOWS)) == {
        BlockId.REASON: "At most 1000 characters.",
        "parameter:host": "At most 2000 characters.",
    }


def test_a_workflow_gone_from_the_config_or_not_drawn_yet_is_refused_on_the_select() -> None:
    view = submitted(
        run_modal(INCIDENT, WORKFLOWS, WORKFLOWS[0]), **{BlockId.REASON: "x", "parameter:host": "a"}
    )
    assert refused(lambda: read_run_form(view, [ROLLBACK])) == {
        BlockId.WORKFLOW: "That workflow is not configured any more: choose another."
    }
    undrawn = submitted(run_modal(INCIDENT, WORKFLOWS, ROLLBACK))
    undrawn["state"]["values"][BlockId.WORKFLOW][BlockId.WORKFLOW]["selected_option"] = {
        "value": "Collect diagnostics"
    }
    assert refused(lambda: read_run_form(undrawn, WORKFLOWS)) == {
        BlockId.WORKFLOW: "Wait until the form shows this workflow's inputs, then run it."
    }
    required_now = workflow(
        parameters=[*workflow().parameters, WorkflowParameterSettings(key="zone", required=True)]
    )
    assert refused(lambda: read_run_form(view, [required_now])) == {
        BlockId.WORKFLOW: "This workflow changed: choose it again."
    }


def test_metadata_that_is_not_ours_names_nothing() -> None:
    for metadata in ("", "7", "[]", '{"incident_id": 1, "case_id": 2}', '{"incident_id": "1"}'):
        assert read_run_for({"private_metadata": metadata}) is None
    assert read_run_for({"private_metadata": '{"case_id": 4}'}) == RunFor(case_id=4)
