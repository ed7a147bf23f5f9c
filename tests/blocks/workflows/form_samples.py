"""Workflow runs and configured workflows for the blocks tests of the run modal and the run list, and
the hostile sample call of each of their builders that tests/blocks/test_escaping.py runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatchbot.blocks.workflows import run_form, run_list
from dispatchbot.blocks.workflows.run_form import RunFor
from dispatchbot.config import WorkflowParameterSettings, WorkflowSettings
from dispatchbot.providers.workflows import Artifact, WorkflowStatus
from dispatchbot.workflow_runs import WorkflowRun
from tests.blocks.samples import ALICE, NOW

WEBLINK = "https://ci.example/runs/1?tab=logs&x=1"
INCIDENT, CASE = RunFor(incident_id=3), RunFor(case_id=2)


def workflow(**changes: Any) -> WorkflowSettings:
    """ "Collect diagnostics" on the webhook with a required `host` and an optional `depth` ("2")."""
    fields: dict[str, Any] = {
        "name": "Collect diagnostics",
        "description": "Gathers logs and heap dumps from the affected hosts",
        "provider": "webhook",
        "resource_id": "diagnostics",
        "parameters": [
            WorkflowParameterSettings(key="host", required=True, description="the host to collect from"),
            WorkflowParameterSettings(key="depth", default="2"),
        ],
    }
    return WorkflowSettings.model_construct(**{**fields, **changes})  # hostile samples exceed the limits


def hostile_workflow(h: str) -> WorkflowSettings:
    parameter = WorkflowParameterSettings.model_construct(key="host", default=h, required=True, description=h)
    return workflow(name=h, description=h, parameters=[parameter] * 3)


def run(**changes: Any) -> WorkflowRun:
    """Run 1 of "Collect diagnostics" for INC-3 by Alice, running at the provider."""
    fields: dict[str, Any] = {
        "id": 1,
        "key": "V1",
        "workflow": "Collect diagnostics",
        "provider": "webhook",
        "resource_id": "diagnostics",
        "params": {"host": "db1"},
        "reason": "Heap is growing",
        "requested_by": ALICE,
        "incident_id": 3,
        "case_id": None,
        "alert_id": None,
        "channel_id": "C0INCIDENT",
        "thread_ts": None,
        "message_ts": "1.000001",
        "status": WorkflowStatus.RUNNING,
        "instance_id": "i-1",
        "weblink": WEBLINK,
        "artifacts": (),
        "error": "",
        "created_at": NOW,
        "started_at": NOW,
        "finished_at": None,
        "unknown_since": None,
        "poll_failures": 0,
        "next_poll_at": None,
        "version": 1,
        "rendered_version": 1,
    }
    return WorkflowRun(**{**fields, **changes})


def hostile_runs(h: str) -> list[WorkflowRun]:
    """Hostile text wherever it came from outside, in every state a run is shown in."""
    artifacts = tuple(Artifact(name=h, url=WEBLINK + h, description=h) for _ in range(30))
    typed = {"workflow": h, "reason": h, "weblink": WEBLINK + h, "error": h, "signal": h}
    return [
        run(**typed, status=status, artifacts=artifacts, unknown_since=unknown, requested_by=who)
        for status in WorkflowStatus
        for unknown in (None, NOW)
        for who in (ALICE, None)
    ] + [run(**typed, instance_id=None, status=WorkflowStatus.FAILED)]


BUILDERS: dict[str, Callable[[str], Any]] = {
    "run_form.run_modal": lambda h: [
        run_form.run_modal(for_, [hostile_workflow(h)] * 120, chosen)
        for for_ in (INCIDENT, CASE)
        for chosen in (None, hostile_workflow(h))
    ],
    "run_list.run_list_modal": lambda h: [
        run_list.run_list_modal(for_, runs, {h: h})
        for for_ in (INCIDENT, CASE)
        for runs in ([], hostile_runs(h) * 5)
    ],
    "run_list.run_entry": lambda h: [run_list.run_entry(entry, h) for entry in hostile_runs(h)],
}

NOT_FOR_SLACK: dict[str, str] = {
    "run_form.read_run_for": "parser",
    "run_form.read_chosen": "parser",
    "run_form.read_run_form": "parser",
    "run_form.parameter_block": "a block id",
}
