"""Workflow run rules: one run per key, started or refused once (with one timeline line each), the
message version moving only when there is something new to show, and a provider that does not answer
polled less and less often (at most every 15 minutes) while the run shows since when it is unknown."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dispatchbot.domain import Incident
from dispatchbot.providers.workflows import Artifact, WorkflowInstance, WorkflowState, WorkflowStatus
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.workflow_runs import NewRun, WorkflowRunService
from dispatchbot.storage.cases import CaseRepository, new_case
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock

POLL = timedelta(seconds=30)
RUNNING = WorkflowState(WorkflowStatus.RUNNING, "https://ci.example/run/1")
LOGS = Artifact("logs.tgz", "https://ci.example/a/1", "Logs of db1")


@pytest.fixture
def runs(database: Database, clock: ManualClock) -> WorkflowRunService:
    return WorkflowRunService(database.sessions, clock)


def new_run(key: str = "V1", *, incident_id: int | None = None, case_id: int | None = None) -> NewRun:
    return NewRun(
        key=key,
        workflow="Collect diagnostics",
        provider="webhook",
        resource_id="diagnostics",
        params={"host": "db1"},
        reason="Disk full",
        requested_by="U1",
        signal="",
        incident_id=incident_id,
        case_id=case_id,
        alert_id=None,
        channel_id="C1",
        thread_ts=None,
    )


async def workflow_lines(incidents: IncidentService, incident: Incident) -> list[str]:
    return [event.description for event in await incidents.timeline(incident.id) if event.kind == "workflow"]


async def test_a_key_opens_one_run(runs: WorkflowRunService, incident: Incident) -> None:
    first = await runs.open(new_run(incident_id=incident.id))
    again = await runs.open(replace(new_run(incident_id=incident.id), reason="another click"))
    assert again == first
    assert (first.status, first.instance_id, first.params, first.version, first.rendered_version) == (
        WorkflowStatus.SUBMITTED,
        None,
        {"host": "db1"},
        1,
        0,
    )
    assert not first.open
    assert await runs.by_key("V1") == first
    assert await runs.by_key("V2") is None


async def test_started_once_with_one_timeline_line(
    runs: WorkflowRunService, incidents: IncidentService, incident: Incident, clock: ManualClock
) -> None:
    run = await runs.open(new_run(incident_id=incident.id))
    started = await runs.started(
        run.id, WorkflowInstance("i-1", "https://ci.example/run/1"), poll_at=clock.now()
    )
    assert (started.instance_id, started.weblink, started.started_at, started.next_poll_at) == (
        "i-1",
        "https://ci.example/run/1",
        clock.now(),
        clock.now(),
    )
    assert started.open
    assert started.version == 2
    again = await runs.started(run.id, WorkflowInstance("i-2"), poll_at=clock.now())  # a retried step
    assert again == started
    assert await workflow_lines(incidents, incident) == [
        "Workflow Collect diagnostics started by <@U1> — Disk full"
    ]


async def test_a_refusal_fails_the_run_and_says_why_once(
    runs: WorkflowRunService, incidents: IncidentService, incident: Incident
) -> None:
    run = await runs.open(new_run(incident_id=incident.id))
    refused = await runs.refused(run.id, "workflow <diagnostics> not found")
    assert (refused.status, refused.error, refused.instance_id, refused.open) == (
        WorkflowStatus.FAILED,
        "workflow <diagnostics> not found",
        None,
        False,
    )
    assert await runs.refused(run.id, "again") == refused
    assert await workflow_lines(incidents, incident) == [
        "Workflow Collect diagnostics could not start: workflow &lt;diagnostics&gt; not found"
    ]


async def test_polls_move_the_version_only_on_news(
    runs: WorkflowRunService, incidents: IncidentService, incident: Incident, clock: ManualClock
) -> None:
    run = await runs.open(new_run(incident_id=incident.id))
    run = await runs.started(run.id, WorkflowInstance("i-1"), poll_at=clock.now())
    running = await runs.polled(run.id, RUNNING, poll_every=POLL)
    assert (running.status, running.weblink, running.version) == (WorkflowStatus.RUNNING, RUNNING.weblink, 3)
    assert running.next_poll_at == clock.now() + POLL
    clock.advance(seconds=30)
    same = await runs.polled(run.id, WorkflowState(WorkflowStatus.RUNNING), poll_every=POLL)
    assert (same.version, same.weblink) == (3, RUNNING.weblink)  # an answer without a link keeps it
    done = await runs.polled(
        run.id, WorkflowState(WorkflowStatus.COMPLETED, RUNNING.weblink, (LOGS,)), poll_every=POLL
    )
    assert (done.status, done.artifacts, done.finished_at, done.next_poll_at, done.version) == (
        WorkflowStatus.COMPLETED,
        (LOGS,),
        clock.now(),
        None,
        4,
    )
    assert not done.open
    assert await runs.polled(run.id, RUNNING, poll_every=POLL) == done  # a late answer changes nothing
    assert (await workflow_lines(incidents, incident))[1:] == ["Workflow Collect diagnostics completed"]


async def test_a_silent_provider_is_polled_with_backoff_and_shown_unknown(
    runs: WorkflowRunService, clock: ManualClock, incident: Incident
) -> None:
    run = await runs.open(new_run(incident_id=incident.id))
    run = await runs.started(run.id, WorkflowInstance("i-1"), poll_at=clock.now())
    since = clock.now()
    waits = []
    for _ in range(6):
        await runs.poll_failed(run.id, poll_every=POLL)
        failing = await runs.get(run.id)
        assert failing.next_poll_at is not None
        waits.append((failing.next_poll_at - clock.now()).total_seconds())
        clock.advance(minutes=1)
    assert waits == [60, 120, 240, 480, 900, 900]
    assert (failing.unknown_since, failing.poll_failures, failing.version) == (since, 6, 3)  # shown once
    back = await runs.polled(run.id, WorkflowState(WorkflowStatus.SUBMITTED), poll_every=POLL)
    assert (back.unknown_since, back.poll_failures, back.version) == (None, 0, 4)  # shown known again


async def test_due_runs_are_the_open_ones_whose_poll_is_due(
    runs: WorkflowRunService, clock: ManualClock, incident: Incident
) -> None:
    now = clock.now()
    due = await runs.started((await runs.open(new_run("V1"))).id, WorkflowInstance("i-1"), poll_at=now)
    later = await runs.open(new_run("V2"))
    await runs.started(later.id, WorkflowInstance("i-2"), poll_at=now + POLL)
    await runs.open(new_run("V3"))  # not accepted by the provider yet
    finished = await runs.started((await runs.open(new_run("V4"))).id, WorkflowInstance("i-4"), poll_at=now)
    await runs.polled(finished.id, WorkflowState(WorkflowStatus.FAILED), poll_every=POLL)
    lost = await runs.started((await runs.open(new_run("V5"))).id, WorkflowInstance("i-5"), poll_at=now)
    await runs.unfollowable(lost.id, "provider not configured")
    assert [run.id for run in await runs.due_for_poll(now, 10)] == [due.id]
    assert [run.key for run in await runs.due_for_poll(now + POLL, 10)] == ["V1", "V2"]
    assert [run.key for run in await runs.due_for_poll(now + POLL, 1)] == ["V1"]
    unfollowed = await runs.get(lost.id)
    assert (unfollowed.error, unfollowed.unknown_since, unfollowed.next_poll_at) == (
        "provider not configured",
        now,
        None,
    )


async def test_messages_behind_and_replies_owed(runs: WorkflowRunService, clock: ManualClock) -> None:
    run = await runs.open(new_run())
    assert await runs.behind(10) == []  # not posted yet
    await runs.message_posted(run.id, "C1", "1.1", run.version)
    run = await runs.started(run.id, WorkflowInstance("i-1"), poll_at=clock.now())
    assert [(behind.message_ts, behind.version) for behind in await runs.behind(10)] == [("1.1", 2)]
    await runs.shown(run.id, 2)
    await runs.shown(run.id, 1)  # an older edit finishing last
    assert await runs.behind(10) == []
    assert await runs.unreplied(10) == []
    await runs.polled(run.id, WorkflowState(WorkflowStatus.COMPLETED), poll_every=POLL)
    assert [owed.id for owed in await runs.unreplied(10)] == [run.id]
    await runs.replied(run.id, "1.2")
    assert await runs.unreplied(10) == []
    assert (await runs.get(run.id)).reply_ts == "1.2"


async def test_runs_of_an_incident_or_a_case_newest_first(
    runs: WorkflowRunService, database: Database, clock: ManualClock, incident: Incident
) -> None:
    async with database.sessions.begin() as session:
        case_id = await CaseRepository(session).insert(
            new_case(
                title="Disk full",
                description="",
                signal="",
                case_type="Security",
                case_priority="Low",
                channel="C9",
                restricted=False,
                now=clock.now(),
                alert_count=0,
            )
        )
    first = await runs.open(new_run("V1", incident_id=incident.id))
    second = await runs.open(new_run("V2", incident_id=incident.id))
    in_case = await runs.open(new_run("V3", case_id=case_id))
    assert [run.id for run in await runs.for_incident(incident.id)] == [second.id, first.id]
    assert [run.id for run in await runs.for_case(case_id)] == [in_case.id]
    await runs.started(in_case.id, WorkflowInstance("i-3"), poll_at=clock.now())
    async with database.sessions() as session:
        entries = await CaseRepository(session).timeline(case_id)
    assert [(e.actor, e.action, e.detail) for e in entries] == [
        ("U1", "workflow", "Collect diagnostics started: Disk full")
    ]
