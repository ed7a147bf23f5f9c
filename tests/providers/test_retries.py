"""The shared retry policy on its own: reading Retry-After, what each status means, and the deadline."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from dispatchbot.providers import retries
from dispatchbot.providers.retries import CONNECTION_LOST, Refusal, RetryPolicy, Trouble

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
QUICK = RetryPolicy(deadline=1.0, error_retries=2, backoff=0.01)


class Refused(Exception):
    def __init__(self, refusal: Refusal | None) -> None:
        super().__init__(refusal)
        self.refusal = refusal


def classify(exc: BaseException) -> Refusal | None:
    return exc.refusal if isinstance(exc, Refused) else None


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert retries.retry_after({"Retry-After": "2"}) == 2.0
    assert retries.retry_after({"retry-after": " 1.5 "}) == 1.5
    assert retries.retry_after({"Retry-After": "-3"}) == 0.0
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retries.retry_after({"Retry-After": later}, now=NOW) == 30.0
    earlier = format_datetime(NOW - timedelta(seconds=30), usegmt=True)
    assert retries.retry_after({"Retry-After": earlier}, now=NOW) == 0.0


def test_ratelimit_reset_when_there_is_no_retry_after() -> None:
    assert retries.retry_after({"RateLimit-Reset": "7"}) == 7.0
    assert retries.retry_after({"Retry-After": "3", "RateLimit-Reset": "7"}) == 3.0


def test_retry_after_that_says_nothing_usable() -> None:
    assert retries.retry_after(None) is None
    assert retries.retry_after({}) is None
    assert retries.retry_after({"Retry-After": "soon"}) is None
    assert retries.retry_after({"Retry-After": "inf"}) is None


def test_what_each_status_means() -> None:
    headers = {"Retry-After": "4"}
    assert retries.refusal_for_status(429, headers) == Refusal(Trouble.RATE_LIMITED, 4.0)
    assert retries.refusal_for_status(429) == Refusal(Trouble.RATE_LIMITED, None)
    assert retries.refusal_for_status(503, headers) == Refusal(Trouble.UNAVAILABLE, 4.0)
    assert retries.refusal_for_status(502) == Refusal(Trouble.UNAVAILABLE, maybe_done=True)
    for status in (400, 401, 403, 404, 409):
        assert retries.refusal_for_status(status) is None


async def run(
    refusals: list[Refusal | None], policy: RetryPolicy = QUICK, *, idempotent: bool = True
) -> tuple[str, int]:
    """Call an operation that fails with `refusals` in turn, then succeeds; how it ended and the attempts."""
    attempts = 0

    async def attempt() -> str:
        nonlocal attempts
        attempts += 1
        if attempts <= len(refusals):
            raise Refused(refusals[attempts - 1])
        return "done"

    try:
        outcome = await retries.call(
            attempt, policy=policy, classify=classify, idempotent=idempotent, provider="test", operation="op"
        )
    except Refused:
        outcome = "gave up"
    return outcome, attempts


async def test_waits_as_long_as_asked() -> None:
    started = time.monotonic()
    assert await run([Refusal(Trouble.RATE_LIMITED, 0.3)]) == ("done", 2)
    assert time.monotonic() - started >= 0.3


async def test_a_wait_that_would_end_past_the_deadline_is_not_started() -> None:
    started = time.monotonic()
    assert await run([Refusal(Trouble.RATE_LIMITED, 5.0)]) == ("gave up", 1)
    assert time.monotonic() - started < 0.5


async def test_rate_limits_are_bounded_by_the_deadline_alone() -> None:
    limited = Refusal(Trouble.RATE_LIMITED, 0.0)
    assert await run([limited] * 6) == ("done", 7)


async def test_errors_without_retry_after_are_retried_a_bounded_number_of_times() -> None:
    unavailable = Refusal(Trouble.UNAVAILABLE)
    assert await run([unavailable, CONNECTION_LOST]) == ("done", 3)
    assert await run([unavailable] * 3) == ("gave up", 3)


async def test_what_may_have_been_done_is_retried_only_when_repeating_is_harmless() -> None:
    assert await run([CONNECTION_LOST], idempotent=True) == ("done", 2)
    assert await run([CONNECTION_LOST], idempotent=False) == ("gave up", 1)
    assert await run([Refusal(Trouble.RATE_LIMITED)], idempotent=False) == ("done", 2)


async def test_a_failure_that_will_not_change_is_not_retried() -> None:
    assert await run([None]) == ("gave up", 1)


async def test_a_slow_attempt_is_cut_at_the_deadline() -> None:
    async def hangs() -> str:
        await asyncio.sleep(10)
        return "late"

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await retries.call(
            hangs, policy=QUICK, classify=classify, idempotent=True, provider="test", operation="op"
        )
    assert time.monotonic() - started < 2 * QUICK.deadline


async def test_an_attempt_cut_short_after_a_refusal_reports_the_refusal() -> None:
    """The provider asked for a wait that left the last attempt too little time: "rate-limited" is
    the true reason, not "did not answer"."""
    attempts = 0

    async def limited_then_slow() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise Refused(Refusal(Trouble.RATE_LIMITED, 0.7))
        await asyncio.sleep(10)
        return "late"

    with pytest.raises(Refused) as refused:
        await retries.call(
            limited_then_slow,
            policy=QUICK,
            classify=classify,
            idempotent=True,
            provider="test",
            operation="op",
        )
    assert refused.value.refusal == Refusal(Trouble.RATE_LIMITED, 0.7)
    assert attempts == 2
