"""Task rules: created once per submission or comment, resolved and reopened with one event per real
change, reassigned only when the assignees differ, and Slack changes told apart from document ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.domain import Incident, TaskStatus
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.tasks import TaskService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock


@pytest.fixture
def tasks(database: Database, clock: ManualClock) -> TaskService:
    return TaskService(database.sessions, clock)


async def events(incidents: IncidentService, incident: Incident) -> list[str]:
    return [event.kind for event in await incidents.timeline(incident.id) if event.kind.startswith("task_")]


async def test_resolving_and_reopening_change_the_status_once_each(
    tasks: TaskService, incidents: IncidentService, clock: ManualClock, incident: Incident
) -> None:
    task, _ = await tasks.create(
        "v1", incident.id, "U1", "Rotate keys", ["U2"], clock.now() + timedelta(days=1)
    )
    clock.advance(minutes=5)
    resolved, changed = await tasks.set_status(task.id, TaskStatus.RESOLVED, "U2")
    assert changed
    assert (resolved.status, resolved.resolved_at, resolved.resolved_by) == (
        TaskStatus.RESOLVED,
        clock.now(),
        "U2",
    )
    assert (await tasks.set_status(task.id, TaskStatus.RESOLVED, "U1"))[1] is False  # a second click
    assert (await tasks.get(task.id)).resolved_by == "U2"
    reopened, changed = await tasks.set_status(task.id, TaskStatus.OPEN, "U1")
    assert changed
    assert (reopened.status, reopened.resolved_at, reopened.resolved_by) == (TaskStatus.OPEN, None, None)
    assert (await tasks.set_status(task.id, TaskStatus.OPEN, "U1"))[1] is False
    assert await events(incidents, incident) == ["task_created", "task_resolved", "task_reopened"]


async def test_open_tasks_of_an_assignee_leave_out_resolved_ones(
    tasks: TaskService, clock: ManualClock, incident: Incident
) -> None:
    due = clock.now() + timedelta(days=1)
    kept, _ = await tasks.create("v1", incident.id, "U1", "Rotate keys", ["U2"], due)
    done, _ = await tasks.create("v2", incident.id, "U1", "Page DBA", ["U2", "U3"], due)
    await tasks.set_status(done.id, TaskStatus.RESOLVED, "U2")
    assert [task.id for task in await tasks.open_for_assignee(incident.id, "U2")] == [kept.id]
    assert await tasks.open_for_assignee(incident.id, "U3") == []


async def test_a_comment_makes_one_task_whoever_asks_twice(
    tasks: TaskService, incidents: IncidentService, clock: ManualClock, incident: Incident
) -> None:
    due = clock.now() + timedelta(days=1)
    task, created = await tasks.create_from_comment(
        "F1:C1", incident.id, "U1", "Fill the timeline", "U2", due
    )
    again, created_again = await tasks.create_from_comment("F1:C1", incident.id, "U1", "Other", "U3", due)
    assert (created, created_again, again.id) == (True, False, task.id)
    assert again.assignees == ("U2",)
    found = await tasks.by_external_id("F1:C1")
    assert found is not None
    assert found.id == task.id
    assert await tasks.external_id(task.id) == "F1:C1"
    assert await events(incidents, incident) == ["task_created"]


async def test_reassigning_changes_only_when_the_assignees_differ(
    tasks: TaskService, incidents: IncidentService, clock: ManualClock, incident: Incident
) -> None:
    task, _ = await tasks.create(
        "v1", incident.id, "U1", "Rotate keys", ["U2"], clock.now() + timedelta(days=1)
    )
    same, changed = await tasks.reassign(task.id, ["U2", "U2"])
    assert not changed
    assert same.assignees == ("U2",)
    moved, changed = await tasks.reassign(task.id, ["U3", "U4", "U3"])
    assert changed
    assert moved.assignees == ("U3", "U4")
    assert await events(incidents, incident) == ["task_created", "task_reassigned"]


async def test_only_changes_made_in_slack_count_as_slack_changes(
    tasks: TaskService, clock: ManualClock, incident: Incident
) -> None:
    task, _ = await tasks.create(
        "v1", incident.id, "U1", "Rotate keys", ["U2"], clock.now() + timedelta(days=1)
    )
    assert await tasks.status_changed_in_slack_at(task.id) is None
    clock.advance(minutes=1)
    in_slack = clock.now()
    await tasks.set_status(task.id, TaskStatus.RESOLVED, "U2")
    clock.advance(minutes=1)
    _, changed = await tasks.set_status_from_document(task.id, TaskStatus.OPEN)
    assert changed
    assert await tasks.status_changed_in_slack_at(task.id) == in_slack
