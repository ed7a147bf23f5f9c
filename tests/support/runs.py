"""Waiting for the work the bot does after a request: durable flow runs and background work."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import FlowRun, RunStatus
from tests.support.waiting import eventually, eventually_value


async def finished(bot: Running, flow: str, key: str) -> None:
    """Wait until the `flow` run with `key` has stopped running, and fail the test unless it succeeded
    (with the run's last error, which says why)."""

    async def stopped() -> FlowRun | None:
        run = await bot.deps.runs.get_by_key(flow, key)
        return run if run is not None and run.status is not RunStatus.RUNNING else None

    run = await eventually_value(stopped, what=f"the {flow} run to finish")
    assert run.status is RunStatus.SUCCEEDED, run.last_error


async def settled(bot: Running) -> None:
    """Wait until the bot has nothing left to do: no background work and no active flow run.

    The quiescence point for asserting that something did *not* happen: work a delivered (and acked)
    request causes is spawned before its ack, so once this holds anything that was going to happen has.
    """
    await eventually(
        lambda: bot.deps.background.count == 0 and bot.deps.runs.active_count == 0,
        what="the bot's background work and flow runs to finish",
    )
