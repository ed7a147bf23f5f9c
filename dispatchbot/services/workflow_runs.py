"""Workflow runs as the run that starts them and the job that follows them change them.

Each change is one transaction, and the timeline line it owes (the incident's, or the case's) is written
in it: a run that started, could not start or finished says so exactly once, whichever replica or
retried step got there. `version` moves only when the run's message must show something new, so the
message is edited once per change and never for a poll that learnt nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.blocks.workflows.run_message import case_detail, timeline_text
from dispatchbot.clock import Clock
from dispatchbot.errors import NotFound
from dispatchbot.providers.workflows import WorkflowInstance, WorkflowState, WorkflowStatus
from dispatchbot.storage.cases import CaseRepository
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.workflow_runs import WorkflowRunRepository, to_stored
from dispatchbot.workflow_runs import WorkflowRun

EVENT_KIND = "workflow"
"""The kind of the incident timeline's workflow lines, and the action of the case timeline's."""
BOT_ACTOR = "dispatchbot"
MAX_POLL_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class NewRun:
    """A run to record, where its message goes included (a thread's `thread_ts` when it is a reply)."""

    key: str
    workflow: str
    provider: str
    resource_id: str
    params: Mapping[str, str]
    reason: str
    requested_by: str | None
    signal: str
    incident_id: int | None
    case_id: int | None
    alert_id: int | None
    channel_id: str | None
    thread_ts: str | None


class WorkflowRunService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def open(self, new: NewRun) -> WorkflowRun:
        """Record the run once per key (a repeated key returns the run it recorded)."""
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            await runs.insert_if_absent(_new_row(new, self._clock.now()))
            run = await runs.by_key(new.key)
        assert run is not None  # inserted now or before, and runs are never deleted on their own
        return run

    async def get(self, run_id: int) -> WorkflowRun:
        async with self._sessions() as session:
            run = await WorkflowRunRepository(session).get(run_id)
        if run is None:
            raise NotFound(f"workflow run {run_id}")
        return run

    async def by_key(self, key: str) -> WorkflowRun | None:
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).by_key(key)

    async def started(self, run_id: int, instance: WorkflowInstance, *, poll_at: datetime) -> WorkflowRun:
        """The provider accepted the run: it is followed from `poll_at`, and its timeline says it started
        (once: a run that started already is left as it is)."""
        now = self._clock.now()
        values = {
            "instance_id": instance.instance_id,
            "weblink": instance.weblink,
            "started_at": now,
            "next_poll_at": poll_at,
        }
        return await self._change_once(run_id, values, lambda run: run.instance_id is None)

    async def refused(self, run_id: int, detail: str) -> WorkflowRun:
        """The run could not start (the provider refused it, or it is not configured any more): failed,
        with the reason shown as it is, and said in the timeline once."""
        now = self._clock.now()
        values = {"status": WorkflowStatus.FAILED.value, "error": detail, "finished_at": now}
        return await self._change_once(
            run_id, values, lambda run: run.instance_id is None and not run.status.finished
        )

    async def polled(self, run_id: int, state: WorkflowState, *, poll_every: timedelta) -> WorkflowRun:
        """What the provider says now. The message moves on a new status, link or artifacts (or when
        the status was shown unknown); a finished run is followed no more and its timeline says so."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            run = await _locked(runs, run_id)
            if run.status.finished:
                return run
            seen = run.status, run.weblink, run.artifacts
            weblink = state.weblink or run.weblink
            values: dict[str, Any] = {
                "unknown_since": None,
                "poll_failures": 0,
                "next_poll_at": now + poll_every,
            }
            if state.status.finished:
                values |= {"finished_at": now, "next_poll_at": None}
            shown = (state.status, weblink, state.artifacts) != seen or run.unknown_since is not None
            await runs.change(
                run_id,
                shown=shown,
                status=state.status.value,
                weblink=weblink,
                artifacts=to_stored(state.artifacts),
                **values,
            )
            changed = await _locked(runs, run_id)
            if state.status.finished:
                await _timeline(session, changed, now)
        return changed

    async def poll_failed(self, run_id: int, *, poll_every: timedelta) -> None:
        """The provider did not answer about the run: try again later, each time waiting twice as long
        (at most 15 minutes); the message shows since when its status is unknown."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            run = await _locked(runs, run_id)
            failures = run.poll_failures + 1
            wait = min(poll_every * 2**failures, MAX_POLL_INTERVAL)
            await runs.change(
                run_id,
                shown=run.unknown_since is None,
                unknown_since=run.unknown_since or now,
                poll_failures=failures,
                next_poll_at=now + wait,
            )

    async def unfollowable(self, run_id: int, detail: str) -> None:
        """The run cannot be followed any more (its workflow or provider left the config): its message
        says so, and it is polled no more."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            run = await _locked(runs, run_id)
            await runs.change(run_id, error=detail, unknown_since=run.unknown_since or now, next_poll_at=None)

    async def due_for_poll(self, now: datetime, limit: int) -> list[WorkflowRun]:
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).due_for_poll(now, limit)

    async def message_posted(self, run_id: int, channel_id: str, ts: str, version: int) -> None:
        """The run's message is at `ts` and shows `version`."""
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            await runs.record_message(run_id, channel_id, ts)
            await runs.shown(run_id, version)

    async def behind(self, limit: int) -> list[WorkflowRun]:
        """Posted runs whose message does not show their latest state (to edit)."""
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).behind(limit)

    async def shown(self, run_id: int, version: int) -> None:
        async with self._sessions.begin() as session:
            await WorkflowRunRepository(session).shown(run_id, version)

    async def unreplied(self, limit: int) -> list[WorkflowRun]:
        """Finished runs whose thread reply (with the artifacts) is not posted yet."""
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).unreplied(limit)

    async def replied(self, run_id: int, ts: str) -> None:
        async with self._sessions.begin() as session:
            await WorkflowRunRepository(session).replied(run_id, ts)

    async def for_incident(self, incident_id: int) -> list[WorkflowRun]:
        """The incident's runs, newest first."""
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).for_incident(incident_id)

    async def for_case(self, case_id: int) -> list[WorkflowRun]:
        """The case's runs, newest first."""
        async with self._sessions() as session:
            return await WorkflowRunRepository(session).for_case(case_id)

    async def _change_once(
        self, run_id: int, values: dict[str, Any], applies: Callable[[WorkflowRun], bool]
    ) -> WorkflowRun:
        """Apply `values` and write the timeline line they owe, unless the run as it is now (locked)
        shows they were applied already."""
        async with self._sessions.begin() as session:
            runs = WorkflowRunRepository(session)
            run = await _locked(runs, run_id)
            if not applies(run):
                return run
            await runs.change(run_id, **values)
            changed = await _locked(runs, run_id)
            await _timeline(session, changed, self._clock.now())
        return changed


async def _locked(runs: WorkflowRunRepository, run_id: int) -> WorkflowRun:
    run = await runs.get(run_id, lock=True)
    if run is None:
        raise NotFound(f"workflow run {run_id}")
    return run


async def _timeline(session: AsyncSession, run: WorkflowRun, now: datetime) -> None:
    """The run's line in its incident's timeline, or its case's (kept there, not said again in the case's
    thread: the run's own message is in it)."""
    if run.incident_id is not None:
        stage = "finished" if run.status.finished else "started"
        await TimelineRepository(session).add(
            run.incident_id,
            EVENT_KIND,
            timeline_text(run),
            run.requested_by if stage == "started" else None,
            now,
            {"workflow_run_id": run.id},
            source_key=f"workflow:{run.key}:{stage}",
        )
    elif run.case_id is not None:
        actor = run.requested_by if not run.status.finished and run.requested_by else BOT_ACTOR
        await CaseRepository(session).add_event(
            run.case_id, now, actor, EVENT_KIND, case_detail(run), posted=True
        )


def _new_row(new: NewRun, now: datetime) -> dict[str, Any]:
    return {
        "key": new.key,
        "workflow": new.workflow,
        "provider": new.provider,
        "resource_id": new.resource_id,
        "params": dict(new.params),
        "reason": new.reason,
        "requested_by": new.requested_by,
        "signal": new.signal,
        "incident_id": new.incident_id,
        "case_id": new.case_id,
        "alert_id": new.alert_id,
        "channel_id": new.channel_id,
        "thread_ts": new.thread_ts,
        "message_ts": None,
        "reply_ts": None,
        "status": WorkflowStatus.SUBMITTED.value,
        "instance_id": None,
        "weblink": "",
        "artifacts": [],
        "error": "",
        "created_at": now,
        "started_at": None,
        "finished_at": None,
        "unknown_since": None,
        "poll_failures": 0,
        "next_poll_at": None,
        "version": 1,
        "rendered_version": 0,
    }
