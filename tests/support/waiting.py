"""Waiting for something the bot does in the background, without fixed sleeps.

The one polling loop of the suite: tests poll what they can observe (the fakes' call logs, the
database, the bot's in-flight counts) instead of sleeping, so they are as fast as the bot and fail with
what they were waiting for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.02


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, within: float = 10.0, what: str = "condition"
) -> None:
    """Poll `condition` (plain, or async for a database read) every 20 ms until it holds; fail with `what`
    after `within` seconds."""

    async def holds() -> bool | None:
        answer = condition()
        if isinstance(answer, Awaitable):
            answer = await answer
        return True if answer else None

    await eventually_value(holds, within=within, what=what)


async def eventually_value(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 10.0, what: str = "a value"
) -> T:
    """Await `probe` every 20 ms until it returns something other than None, and return that; fail with
    `what` after `within` seconds. For waits whose result the test reads next (say, rows once settled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (value := await probe()) is None:
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)
    return value
