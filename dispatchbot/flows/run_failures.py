"""Use case: a durable run gave up, so the person who asked for it hears about it (never a silent drop)."""

from __future__ import annotations

from dispatchbot.blocks.run_failures import run_failed_message
from dispatchbot.deps import Deps
from dispatchbot.domain import FlowRun
from dispatchbot.errors import Forbidden
from dispatchbot.flows.run_models import RunArgs, RunState
from dispatchbot.flows.runner import RunContext
from dispatchbot.mrkdwn import Mrkdwn


async def notify(deps: Deps, run: FlowRun, title: str, message: Mrkdwn) -> None:
    """DM the requester (every kind's `RunArgs.requested_by`) the reason and a Retry button."""
    requester = deps.runs.requester(run)
    if not requester:
        return
    text, blocks = run_failed_message(title, message, run.id)
    await deps.slack.post_message(requester, text, blocks)


async def retry(deps: Deps, run_id: int, user_id: str) -> FlowRun | None:
    """Restart a failed run for the person who asked for it; None when it is no longer failed."""
    run = await deps.runs.get(run_id)
    if run is None or deps.runs.requester(run) != user_id:
        raise Forbidden("Only the person who made this request can retry it.")
    return await deps.runs.retry(run_id)


async def last_attempt(ctx: RunContext[Deps, RunArgs, RunState]) -> bool:
    """Whether the runner gives up if this attempt fails (it counts failed attempts up to
    `max_attempts`): a step that waits on a provider says so, or gives its last word, on this one."""
    run = await ctx.deps.runs.get(ctx.run_id)
    return run is not None and run.attempts + 1 >= ctx.deps.settings.runs.max_attempts
