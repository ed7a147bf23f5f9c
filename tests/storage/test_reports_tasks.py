"""Reports and tasks are written once per submission, with their timeline events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatchbot.clock import SystemClock
from dispatchbot.domain import IncidentDraft, ReportKind, TaskStatus, Visibility
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.reports import ReportService
from dispatchbot.services.tasks import TaskService
from dispatchbot.storage.engine import Database

DRAFT = IncidentDraft("Disk full", "", "Default", "Low", "Low", Visibility.OPEN)


async def test_reports_once_per_key_and_latest(database: Database) -> None:
    incidents = IncidentService(database.sessions, SystemClock())
    incident = await incidents.create("k", DRAFT, "U1", {})
    reports = ReportService(database.sessions, SystemClock())
    first, created = await reports.create("v1", incident.id, ReportKind.TACTICAL, "U1", {"conditions": "bad"})
    again, created_again = await reports.create(
        "v1", incident.id, ReportKind.TACTICAL, "U1", {"conditions": "x"}
    )
    assert (created, created_again, again.id) == (True, False, first.id)
    await reports.create("v2", incident.id, ReportKind.TACTICAL, "U1", {"conditions": "better"})
    latest = await reports.latest(incident.id, ReportKind.TACTICAL)
    assert latest is not None
    assert latest.details == {"conditions": "better"}
    assert await reports.latest(incident.id, ReportKind.EXECUTIVE) is None
    kinds = [event.kind for event in await incidents.timeline(incident.id)]
    assert kinds.count("tactical_report") == 2


async def test_tasks_create_resolve_reopen(database: Database) -> None:
    incident = await IncidentService(database.sessions, SystemClock()).create("k", DRAFT, "U1", {})
    tasks = TaskService(database.sessions, SystemClock())
    due = datetime.now(UTC) + timedelta(days=1)
    task, created = await tasks.create("v1", incident.id, "U1", "Rotate keys", ["U2", "U3", "U2"], due)
    assert created
    assert task.assignees == ("U2", "U3")
    assert (await tasks.create("v1", incident.id, "U1", "Rotate keys", ["U2"], due))[1] is False
    resolved, changed = await tasks.set_status(task.id, TaskStatus.RESOLVED, "U2")
    assert changed
    assert resolved.resolved_by == "U2"
    assert (await tasks.set_status(task.id, TaskStatus.RESOLVED, "U2"))[1] is False
    assert [t.id for t in await tasks.for_user("U3")] == [task.id]
    assert [t.id for t in await tasks.for_user("U9")] == []
    reopened, _ = await tasks.set_status(task.id, TaskStatus.OPEN, "U1")
    assert reopened.resolved_at is None
