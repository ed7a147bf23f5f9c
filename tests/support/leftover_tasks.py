"""Tasks still running when an async test is over: each is a leak, and one that ignores cancellation
hangs the event loop's close (pytest-asyncio cancels every task left and waits for all of them).

The guard names the leftovers — task name, coroutine, where it is waiting now, and where it was
created when the loop runs in debug mode (`pytest --asyncio-debug`) — so a leak is fixed at its
source instead of surfacing as a silent hang in another test's teardown.

A hang the guard cannot see (the test itself, a fixture's teardown, the loop's close) is ended by
pytest-timeout, whose report shows threads, not coroutines; so shortly before the limit the loop
writes every task it still has, with its await chain, to stderr, which that report includes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from types import FrameType

import pytest

SETTLE_SECONDS = 1.0
"""How long leftovers may take to finish on their own (a close handshake, a done callback)."""

CANCEL_SECONDS = 5.0
"""How long a leftover may take to honour `cancel()` before it is reported as ignoring it."""

ASYNCIO_DIR = os.path.dirname(asyncio.__file__)

TIME_LIMIT = pytest.StashKey[float]()
"""The test's pytest-timeout limit, stashed on the item when its timer is set."""


def report_tasks_before(limit: float | None) -> None:
    """Have the running loop list its tasks on stderr shortly before `limit` seconds are up.

    Nothing is cancelled: a test that ends in time closes its loop (tests use function-scoped loops),
    and a closed loop drops the call. If the loop itself is blocked, the call never runs and the
    timeout's thread stacks tell where instead.
    """
    if not limit:
        return
    asyncio.get_running_loop().call_later(limit - min(10.0, limit / 10), _report_tasks, limit)


def _report_tasks(limit: float) -> None:
    tasks = sorted(asyncio.all_tasks(), key=lambda task: task.get_name())
    lines = [f"Close to the {limit:g} s time limit; the event loop's {len(tasks)} task(s):"]
    lines += [f"- {describe(task)}" for task in tasks]
    print("\n".join(lines), file=sys.stderr, flush=True)


async def check_no_leftover_tasks(
    settle: float = SETTLE_SECONDS, cancel_within: float = CANCEL_SECONDS
) -> None:
    """Fail naming every task other than the caller still pending; cancel them (bounded) first, so
    the loop's own close does not wait on them."""
    current = asyncio.current_task()
    leftovers = {task for task in asyncio.all_tasks() if task is not current and not task.done()}
    if not leftovers:
        return
    await asyncio.wait(leftovers, timeout=settle)
    leftovers = {task for task in leftovers if not task.done()}
    if not leftovers:
        return
    described = {task: describe(task) for task in leftovers}
    for task in leftovers:
        task.cancel()
    _done, stubborn = await asyncio.wait(leftovers, timeout=cancel_within)
    lines = [f"{len(leftovers)} task(s) still running after the test and its fixtures finished:"]
    for task, text in sorted(described.items(), key=lambda item: item[0].get_name()):
        ignores = "\n    IGNORES CANCELLATION: the event loop's close would wait for it forever"
        lines.append(f"- {text}{ignores if task in stubborn else ''}")
    raise AssertionError("\n".join(lines))


def describe(task: asyncio.Task[object]) -> str:
    """`name: coroutine`, the frames it is suspended in, and where it was created (debug loops only)."""
    coro = task.get_coro()
    text = f"{task.get_name()}: {getattr(coro, '__qualname__', repr(coro))}"
    waiting = [
        _where(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name) for frame in _chain(coro)
    ]
    if waiting:
        text += "\n    waiting in: " + "\n                ".join(waiting)
    created = getattr(task, "_source_traceback", None) or []
    origin = [_where(f.filename, f.lineno, f.name) for f in created if not f.filename.startswith(ASYNCIO_DIR)]
    if origin:
        text += "\n    created at: " + "\n                ".join(origin[-4:])
    return text


def _where(filename: str, line: int | None, function: str) -> str:
    return f"{filename}:{line} {function}"


def _chain(awaitable: object) -> Iterator[FrameType]:
    """The frames of the await chain, outermost first (`Task.get_stack` gives only the first)."""
    while awaitable is not None:
        frame = _first(awaitable, "cr_frame", "gi_frame", "ag_frame")
        if not isinstance(frame, FrameType):
            return
        yield frame
        awaitable = _first(awaitable, "cr_await", "gi_yieldfrom", "ag_await")


def _first(obj: object, *names: str) -> object:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None
