"""What a workflow run sends its provider: the person's values with the context, which a provider that
refuses undeclared inputs (GitHub Actions) takes only into its own empty parameters; and the tags that
find the run again (its key first)."""

from __future__ import annotations

from dispatchbot.flows.workflows.run_workflow import with_context, workflow_request
from tests.blocks.workflows.form_samples import run

CONTEXT = {"incident_name": "INC-3", "host": "from-context", "workflowInstanceId": "V1"}


def test_context_fills_empty_values_and_adds_its_own() -> None:
    assert with_context({"host": "", "incident_name": "mine"}, CONTEXT, extra_keys=True) == {
        "host": "from-context",
        "incident_name": "mine",
        "workflowInstanceId": "V1",
    }


def test_without_extra_keys_context_only_fills_declared_parameters() -> None:
    assert with_context({"host": "", "depth": "2"}, CONTEXT, extra_keys=False) == {
        "host": "from-context",
        "depth": "2",
    }
    assert with_context({"host": "db1"}, CONTEXT, extra_keys=False) == {"host": "db1"}


def test_the_request_is_tagged_with_the_key_then_what_it_is_for() -> None:
    request = workflow_request(run(key="V9", incident_id=3, case_id=2))
    assert (request.resource_id, request.key, dict(request.params)) == ("diagnostics", "V9", {"host": "db1"})
    assert request.tags == ("V9", "INC-3", "CASE-2")
