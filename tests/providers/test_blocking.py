"""SDK calls in worker threads: an attempt nobody waits for any more stops at its next request."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.providers.blocking import Abandoned, Checkpoint, failed, run_blocking
from dispatchbot.providers.retries import RetryPolicy, Trouble
from tests.support.waiting import eventually


class Requests:
    """A stand-in for an SDK call: a request every 20 ms, each behind the attempt's checkpoint."""

    def __init__(self) -> None:
        self.sent = 0
        self.stopped = threading.Event()

    def __call__(self, checkpoint: Checkpoint) -> str:
        try:
            while True:
                checkpoint()
                self.sent += 1
                time.sleep(0.02)
        except Abandoned:
            self.stopped.set()
            raise


async def run(requests: Requests, deadline: float) -> str:
    return await run_blocking(
        requests,
        provider="Test",
        name="test",
        what="could not test",
        policy=RetryPolicy(deadline=deadline),
        failures=(),
        translate=lambda exc: ProviderError("Test", str(exc)),
        classify=lambda exc: None,
    )


async def test_an_attempt_past_the_deadline_sends_nothing_more() -> None:
    requests = Requests()
    with pytest.raises(ProviderUnavailable, match=r"did not answer within 0\.2 s"):
        await run(requests, deadline=0.2)
    await eventually(requests.stopped.is_set, what="the abandoned attempt to stop")
    assert requests.sent >= 1


async def test_an_attempt_whose_flow_is_cancelled_sends_nothing_more() -> None:
    requests = Requests()
    task = asyncio.create_task(run(requests, deadline=30))
    await eventually(lambda: requests.sent > 0, what="the first request")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await eventually(requests.stopped.is_set, what="the cancelled attempt to stop")


def test_a_failure_says_whether_the_provider_was_refusing_for_now() -> None:
    refused = failed("Test", "test", "could not test", "HTTP 400")
    assert type(refused) is ProviderError
    limited = failed("Test", "test", "could not test", "HTTP 429", trouble=Trouble.RATE_LIMITED)
    assert isinstance(limited, ProviderUnavailable)
    assert limited.rate_limited
    assert limited.detail == "could not test: HTTP 429"
