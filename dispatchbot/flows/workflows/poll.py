"""Scheduler job: follow open workflow runs until they finish, and show each change where they were started.

Each tick asks the provider about the runs due for a poll (a bounded number of calls at once) and
records what changed; then every run message that does not show its run's latest state is edited in
place, and every finished run gets its reply with the artifacts. Both are read back from the rows, so
a failed edit or reply is simply done at the next tick, and a reply carries a marker: one posted by a
tick that died before recording it is found, not posted again.

A provider that does not answer is asked less and less often, and the message says since when the
status is unknown. A run whose workflow or provider has left the config is not dropped in silence: its
message says its status is unknown and why, and it is followed no more.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from dispatchbot.blocks.workflows import run_message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.workflows.run_workflow import show_latest, workflow_request
from dispatchbot.logs import get_logger
from dispatchbot.workflow_runs import WorkflowRun

log = get_logger(__name__)

POLL_CONCURRENCY = 10
"""Provider calls at once per tick: a backlog clears fast without tripping the providers' rate limits."""
BATCH = 200
"""Runs polled, messages edited and replies posted per tick at most; the rest wait for the next."""


async def tick(deps: Deps, now: datetime) -> None:
    """Poll the runs due, then bring their messages and replies up to date."""
    due = await deps.workflow_runs.due_for_poll(now, BATCH)
    gate = asyncio.Semaphore(POLL_CONCURRENCY)

    async def follow(run: WorkflowRun) -> None:
        async with gate:
            await _follow(deps, run)

    results = await asyncio.gather(*(follow(run) for run in due), return_exceptions=True)
    for run, result in zip(due, results, strict=True):
        if isinstance(result, BaseException):
            log.error("workflow.poll_error", run=run.id, exc_info=result)
    await _edit_messages(deps)
    await _post_replies(deps)


async def _follow(deps: Deps, run: WorkflowRun) -> None:
    every = timedelta(seconds=deps.settings.scheduler.workflow_poll_seconds)
    adapter = deps.providers.workflows.get(run.provider)
    if deps.settings.workflow(run.workflow) is None:
        await deps.workflow_runs.unfollowable(run.id, "workflow not configured")
        return
    if adapter is None:
        await deps.workflow_runs.unfollowable(run.id, "provider not configured")
        return
    assert run.instance_id is not None  # only runs the provider accepted are due
    try:
        state = await adapter.get_instance(workflow_request(run), run.instance_id)
    except ProviderError as exc:
        log.warning("workflow.poll_failed", run=run.id, provider=run.provider, error=exc.detail)
        await deps.workflow_runs.poll_failed(run.id, poll_every=every)
        return
    await deps.workflow_runs.polled(run.id, state, poll_every=every)


async def _edit_messages(deps: Deps) -> None:
    for run in await deps.workflow_runs.behind(BATCH):
        await show_latest(deps, run)


async def _post_replies(deps: Deps) -> None:
    for run in await deps.workflow_runs.unreplied(BATCH):
        channel, ts = _posted(run)
        thread = run.thread_ts or ts
        text, blocks = run_message.finished_reply(run)
        marker = run_message.reply_marker(run.id)
        blocks = [{**blocks[0], "block_id": marker}, *blocks[1:]]
        try:
            reply = await deps.slack.find_reply(channel, thread, marker)
            if reply is None:
                reply = await deps.slack.post_message(channel, text, blocks, thread_ts=thread)
        except ProviderError as exc:
            log.warning("workflow.reply_failed", run=run.id, error=exc.detail)
            continue
        await deps.workflow_runs.replied(run.id, reply)


def _posted(run: WorkflowRun) -> tuple[str, str]:
    """Where the run's message is: only posted runs are behind or owed a reply."""
    assert run.channel_id is not None
    assert run.message_ts is not None
    return run.channel_id, run.message_ts
