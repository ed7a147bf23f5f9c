"""Work that runs after a request is acknowledged, tracked so a graceful stop can wait for it.

Bolt runs with `process_before_response=True`: the ack goes out the moment a handler returns, with
no polling delay. So a handler only parses, validates, records intent and acks; anything that
talks to Slack or another provider afterwards is spawned here (or is a durable flow run).

A request may also be admitted only conditionally: when the de-duplication middleware let the ack go
out before the delivery was durably recorded, the request's work waits for that record here and is
dropped if another replica had the same delivery first.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Coroutine
from contextvars import ContextVar
from typing import Any

from dispatchbot.logs import get_logger

log = get_logger(__name__)


ACK_PRIORITY_SECONDS = 0.25
"""How long post-ack work may wait for pending acks; bounded so a busy bot never starves it."""

CANCEL_GRACE_SECONDS = 5.0
"""How long a stop waits for cancelled work to unwind (it may still be closing a connection)."""

_admission: ContextVar[asyncio.Future[bool] | None] = ContextVar("dispatchbot_admission", default=None)


def admit_after(verdict: asyncio.Future[bool]) -> None:
    """Work this request spawns from now on waits for `verdict` and is dropped if it is False.

    If the verdict fails (the record could not be written), the work goes ahead: a rare duplicate
    beats a request silently lost.
    """
    _admission.set(verdict)


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
        task = asyncio.create_task(self._guarded(work, name, _admission.get()), name=name)
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
            _done, stuck = await asyncio.wait(pending, timeout=CANCEL_GRACE_SECONDS)
            if stuck:  # work that ignores cancellation must not hold the stop up forever
                log.warning("background.not_stopped", tasks=sorted(task.get_name() for task in stuck))

    @property
    def count(self) -> int:
        return len(self._tasks)

    async def _guarded(
        self, work: Coroutine[Any, Any, object], name: str, admission: asyncio.Future[bool] | None
    ) -> None:
        try:
            await self._in_flight.acks_first()
            if admission is not None and not await _admitted(admission):
                work.close()  # a repeat another replica handles: never started, so never awaited
                return
            await work
        except Exception:
            log.exception("background.failed", task=name, error_id=secrets.token_hex(4))


async def _admitted(verdict: asyncio.Future[bool]) -> bool:
    try:
        return await asyncio.shield(verdict)  # shared by all the request's work: never cancel it
    except Exception:
        return True
