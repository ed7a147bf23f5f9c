"""Worker threads doctor can walk away from.

The vendor SDKs block, so their calls run in threads, and a thread cannot be cancelled: a call stuck on
a dead endpoint would hold `asyncio.run` (which waits for the default executor) and then the interpreter
(which joins executor threads at exit) long after doctor has reported that check as timed out. Doctor
runs those calls on daemon threads instead and does not wait for them when it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class AbandoningExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor (what asyncio accepts as default executor) whose calls each get a daemon
    thread, and whose shutdown does not wait for them."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=run, name="doctor-check", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: a call still running is one doctor has already reported as timed out."""
