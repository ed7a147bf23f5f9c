"""Work that runs after a request is acknowledged, tracked so a graceful stop can wait for it.

Bolt runs with `process_before_response=True`: the ack goes out the moment a handler returns, with
no polling delay. So a handler only parses, validates, records intent and acks; anything that
talks to Slack or another provider afterwards is spawned here (or is a durable flow run).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Coroutine
from typing import Any

from dispatchbot.logs import get_logger

log = get_logger(__name__)


ACK_PRIORITY_SECONDS = 0.25
"""How long post-ack work may wait for pending acks; bounded so a busy bot never starves it."""


class InFlight:
    """Counts requests between arrival and acknowledgement: graceful stop waits for them, and work
    that can wait (post-ack work, flow runs) lets a burst's acks go out first."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, within: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)

    async def acks_first(self) -> None:
        """Let pending acks go out before this work competes with them for the event loop."""
        await self.wait_idle(ACK_PRIORITY_SECONDS)


class Background:
    def __init__(self, in_flight: InFlight) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = in_flight

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run `work` on its own; an exception is logged with an error id, never lost silently."""
        task = asyncio.create_task(self._guarded(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, within: float) -> None:
        """Wait up to `within` seconds for spawned work, then cancel what is left."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=within)
        for task in pending:
            task.cancel()
        if pending:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait(pending)

    @property
    def count(self) -> int:
        return len(self._tasks)

    async def _guarded(self, work: Coroutine[Any, Any, object], name: str) -> None:
        try:
            await self._in_flight.acks_first()
            await work
        except Exception:
            log.exception("background.failed", task=name, error_id=secrets.token_hex(4))
