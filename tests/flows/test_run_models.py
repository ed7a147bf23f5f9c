"""Run arguments and state are typed and versioned: every kind reads what the release before typed runs
stored (plain dicts, no version), writes its version, and refuses what it does not know."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dispatchbot.domain import IncidentDraft, Role, Status, TaskStatus, Visibility
from dispatchbot.features import FEATURES
from dispatchbot.flows.incidents.create_incident_run import (
    CreateIncidentArgs,
    CreateIncidentState,
    OncallHolder,
)
from dispatchbot.flows.incidents.update_incident_run import (
    MessageRef,
    UpdateIncidentArgs,
    UpdateIncidentState,
)
from dispatchbot.flows.oncall.engage_oncall import EngageState, PageDelay
from dispatchbot.flows.reports.report_run import ReportState
from dispatchbot.flows.run_models import VERSION_KEY, RunArgs
from dispatchbot.flows.tasks.create_task import CreateTaskArgs
from dispatchbot.flows.tasks.task_status import Surface, TaskStatusArgs

POSTED = {"report_attempted": True, "report_ts": "1.1", "page_delayed_attempted": True}
"""`post_once`'s keys as version 0 kept them, for any message name."""

OLD_RUNS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "create_incident": (
        {
            "title": "Payments down",
            "description": "",
            "incident_type": "Default",
            "severity": "Low",
            "priority": "Low",
            "visibility": "open",
            "requested_by": "U1",
            "view_id": "V1",
        },
        {
            "incident_id": 7,
            "oncall_roles": {
                "commander": {"service": "Database", "email": "o@example.com", "name": "Olivia"}
            },
            "channel_id": "C7",
            "header_attempted": True,
            "topic": True,
            "welcomed:U1": True,
            "notified:C2": True,
            "incident_delayed_attempted": True,
            "incident_delayed_ts": "1.7",
        },
    ),
    "update_incident": (
        {"incident_id": 7, "changes": {"status": "closed"}, "requested_by": "U1"},
        {
            "changed": ["status"],
            "before": {"status": "stable", "visibility": "open"},
            "after": {"status": "closed", "visibility": "open"},
            "archived": True,
            "closed_posted_attempted": True,
            "closed_posted_ts": "1.2",
            "feedback_U2_attempted": True,
            "feedback_U2_ts": "",
        },
    ),
    "close_from_reminder": (
        {
            "incident_id": 7,
            "changes": {"status": "closed"},
            "requested_by": "U1",
            "message": {"channel": "D1", "ts": "1.3"},
        },
        {"changed": [], "before": {}, "after": {}},
    ),
    "assign_role": (
        {"incident_id": 7, "user_id": "U2", "role": "commander", "requested_by": "U1"},
        {"changed": True, "previous": None, "invited": True, "announced": True},
    ),
    "engage_oncall": (
        {"incident_id": 7, "service": "Database", "page": True, "view_id": "V2", "requested_by": "U1"},
        {
            "user_id": "U3",
            "email": "o@example.com",
            "name": "Olivia",
            "engaged_user": "U3",
            "engaged_now": True,
            "paged": False,
            "page_delayed": {"provider": "pagerduty", "rate_limited": True},
        },
    ),
    "page_oncall": (
        {
            "incident_id": 7,
            "service": "Database",
            "target_user_id": None,
            "target_name": "Olivia",
            "requested_by": "U1",
        },
        {"page_delayed_attempted": True, "page_delayed_ts": "1.4"},
    ),
    "retry_documents": ({"incident_id": 7}, {"review_document_attempted": True}),
    "report_tactical": (
        {"incident_id": 7, "kind": "tactical", "details": {"conditions": "bad"}, "requested_by": "U1"},
        {"report_id": 3, **POSTED, "sent:C2": True, "sent:U2": True},
    ),
    "report_executive": (
        {"incident_id": 7, "kind": "executive", "details": {"overview": "ok"}, "requested_by": "U1"},
        {"report_id": 4, "executive_document_delayed_attempted": True},
    ),
    "create_task": (
        {
            "incident_id": 7,
            "assignees": ["U2", "U3"],
            "description": "Rotate keys",
            "due_at": "2026-12-03T12:00:00+00:00",
            "requested_by": "U1",
        },
        {"task_id": 5, "invited": ["U3"], "card_attempted": True, "card_ts": "1.5"},
    ),
    "comment_task": (
        {
            "incident_id": 7,
            "external_id": "file:comment",
            "kind": "review",
            "description": "Fill in the timeline",
            "assignee": "U2",
            "due_at": "2026-12-04T12:00:00+00:00",
            "requested_by": "U1",
        },
        {"task_id": 6},
    ),
    "task_status": (
        {
            "task_id": 5,
            "status": "resolved",
            "surface": {"view_id": "V3", "scope": "mine"},
            "requested_by": "U2",
        },
        {},
    ),
    "add_timeline_event": (
        {
            "incident_id": 7,
            "description": "Rolled back",
            "occurred_at": "2026-12-03T13:05:00+01:00",
            "timezone": "Europe/Berlin",
            "requested_by": "U1",
        },
        {"confirmation_attempted": True, "confirmation_ts": "1.6"},
    ),
    "run_workflow": (  # new with typed runs: the untyped shape reads all the same
        {
            "workflow": "Collect diagnostics",
            "params": {"host": "db1"},
            "reason": "Heap is growing",
            "requested_by": "U1",
            "incident_id": 7,
        },
        {"run_id": 3, "attempted_at": "2026-12-03T13:05:00+00:00", "message_attempted": True},
    ),
}

FLOWS = {flow.kind: flow for feature in FEATURES for flow in feature.flows}


def test_every_kind_has_an_old_run_to_read() -> None:
    assert set(FLOWS) <= set(OLD_RUNS)


@pytest.mark.parametrize("kind", sorted(OLD_RUNS))
def test_a_run_stored_before_typed_runs_is_read_and_written_in_the_new_shape(kind: str) -> None:
    if kind not in FLOWS:
        pytest.skip(f"{kind} is not a registered flow")
    flow, (old_args, old_state) = FLOWS[kind], OLD_RUNS[kind]
    args, state = flow.args_type.from_stored(old_args), flow.state_type.from_stored(old_state)
    assert args.requested_by == old_args.get("requested_by")
    for model in (args, state):
        stored = model.to_stored()
        assert stored[VERSION_KEY] == type(model).VERSION
        assert type(model).from_stored(stored) == model


def test_old_sub_action_keys_become_typed_fields() -> None:
    state = CreateIncidentState.from_stored(OLD_RUNS["create_incident"][1])
    assert state.actions_done == {"topic", "welcomed:U1", "notified:C2"}
    assert state.oncall_roles == {
        Role.COMMANDER.value: OncallHolder(service="Database", email="o@example.com", name="Olivia")
    }
    assert (state.header_attempted, state.post_attempted, state.posted_ts) == (
        True,
        frozenset({"incident_delayed"}),
        {"incident_delayed": "1.7"},
    )
    report = ReportState.from_stored(OLD_RUNS["report_tactical"][1])
    assert (report.report_id, report.sent_to) == (3, frozenset({"C2", "U2"}))
    assert (report.post_attempted, report.posted_ts) == (
        frozenset({"report", "page_delayed"}),
        {"report": "1.1"},
    )
    update = UpdateIncidentState.from_stored(OLD_RUNS["update_incident"][1])
    assert update.entered(Status.CLOSED)
    assert update.archived
    assert update.posted_ts == {"closed_posted": "1.2", "feedback_U2": ""}
    engage = EngageState.from_stored(OLD_RUNS["engage_oncall"][1])
    assert engage.page_delayed == PageDelay(provider="pagerduty", rate_limited=True)


def test_old_arguments_read_as_typed_values() -> None:
    create = CreateIncidentArgs.from_stored(OLD_RUNS["create_incident"][0])
    assert create.draft == IncidentDraft("Payments down", "", "Default", "Low", "Low", Visibility.OPEN)
    close = UpdateIncidentArgs.from_stored(OLD_RUNS["close_from_reminder"][0])
    assert close.message == MessageRef(channel="D1", ts="1.3")
    task = CreateTaskArgs.from_stored(OLD_RUNS["create_task"][0])
    assert (task.assignees, task.due_at.isoformat()) == (("U2", "U3"), "2026-12-03T12:00:00+00:00")
    status = TaskStatusArgs.from_stored(OLD_RUNS["task_status"][0])
    assert (status.status, status.surface) == (TaskStatus.RESOLVED, Surface(view_id="V3", scope="mine"))


def test_recording_refuses_unknown_names_and_wrong_types() -> None:
    state = UpdateIncidentState()
    assert state.recorded({"archived": True}).archived
    with pytest.raises(ValidationError):
        state.recorded({"archive": True})
    with pytest.raises(ValidationError):
        state.recorded({"archived": "yes"})
    with pytest.raises(ValidationError):
        ReportState().recorded({"report_id": "3"})


def test_a_row_from_a_newer_release_or_with_unknown_arguments_is_refused() -> None:
    with pytest.raises(ValueError, match="newer release"):
        RunArgs.from_stored({VERSION_KEY: RunArgs.VERSION + 1})
    with pytest.raises(ValidationError):
        UpdateIncidentArgs.from_stored({**OLD_RUNS["update_incident"][0], "chnages": {}})
