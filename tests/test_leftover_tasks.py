"""The guard against tasks left running after a test (tests/support/leftover_tasks.py)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.leftover_tasks import check_no_leftover_tasks, report_tasks_before
from tests.support.waiting import eventually


async def _wait_for(event: asyncio.Event) -> None:
    await event.wait()


async def _ignore_one_cancel(release: asyncio.Event) -> None:
    """Swallows a cancellation, as `suppress(CancelledError)` in a loop does, until released."""
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            continue


async def test_a_leftover_task_fails_the_check_with_its_name_and_where_it_waits() -> None:
    never = asyncio.Event()
    leaked = asyncio.create_task(_wait_for(never), name="forgotten-watcher")

    with pytest.raises(AssertionError) as failure:
        await check_no_leftover_tasks(settle=0.01)

    message = str(failure.value)
    assert "forgotten-watcher: _wait_for" in message
    assert "test_leftover_tasks.py" in message  # where it waits: the await chain, down to Event.wait
    assert "locks.py" in message
    assert "IGNORES CANCELLATION" not in message
    assert leaked.cancelled()  # cancelled by the check, so the loop's close does not wait on it


async def test_a_task_that_ignores_cancellation_is_called_out() -> None:
    release = asyncio.Event()
    stubborn = asyncio.create_task(_ignore_one_cancel(release), name="stubborn")

    with pytest.raises(AssertionError) as failure:
        await check_no_leftover_tasks(settle=0.01, cancel_within=0.05)

    assert "stubborn: _ignore_one_cancel" in str(failure.value)
    assert "IGNORES CANCELLATION" in str(failure.value)

    release.set()
    await stubborn


async def test_tasks_that_finish_in_time_pass() -> None:
    finishing = asyncio.create_task(asyncio.sleep(0.01), name="finishing")
    await check_no_leftover_tasks()
    assert finishing.done()


async def test_the_tasks_are_listed_shortly_before_the_time_limit(capsys: pytest.CaptureFixture[str]) -> None:
    never = asyncio.Event()
    hung = asyncio.create_task(_wait_for(never), name="hung-step")
    report_tasks_before(0.1)
    written: list[str] = []

    def reported() -> bool:
        written.append(capsys.readouterr().err)
        return "hung-step: _wait_for" in "".join(written)

    await eventually(reported, within=5, what="the task list on stderr")
    assert "Close to the 0.1 s time limit" in "".join(written)
    hung.cancel()
    await asyncio.wait({hung})
