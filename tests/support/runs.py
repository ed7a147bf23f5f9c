"""Waiting for the durable flow runs that scheduler jobs and submitted forms start."""

from __future__ import annotations

import asyncio

from dispatchbot.app import Running
from dispatchbot.domain import RunStatus


async def finished(bot: Running, flow: str, key: str) -> None:
    """Wait until the `flow` run with `key` has stopped running, and fail the test unless it succeeded
    (with the run's last error, which says why)."""
    for _ in range(500):
        run = await bot.deps.runs.get_by_key(flow, key)
        if run is not None and run.status is not RunStatus.RUNNING:
            assert run.status is RunStatus.SUCCEEDED, run.last_error
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the {flow} run did not finish")
