"""One retry policy for every provider call: PagerDuty, Opsgenie, Google, and the adapters to come.

A call is one adapter operation (page a service, look up who is on call, copy a template): one or more
HTTP requests made by a vendor SDK. When the provider refuses it for now — 429, or a 503 that says
when to come back — the call waits as long as `Retry-After` asks (seconds or an HTTP-date) and tries
again; without the header it backs off exponentially, with jitter. A 5xx without `Retry-After` or a
dropped connection is retried a bounded number of times (`error_retries`). Every call ends within
its deadline: a wait that would end past it is not started, so the caller gets the failure at once
and hands it to its durable run, which tries again later, instead of a flow that hangs.

Waits happen on the event loop between attempts (tenacity's `AsyncRetrying`), never in a worker
thread: a rate-limited provider holds no thread from asyncio's small default pool, which DNS lookups
share, and a shutdown cancels a wait at once. The SDKs' own retries are therefore off; they ignore
`Retry-After` (pagerduty, google-api-python-client) or wait 30-60 s on their own timer (opsgenie-sdk).

An attempt is the whole operation again, which is safe where doing it twice is harmless: reads, and
writes keyed so a repeat finds the first (a page's dedup key, an alert's alias). An operation that is
not (`idempotent=False`: escalating, creating a folder) is retried only when the answer shows nothing
was done — 429 or 503 — never after a 500, 502, 504 or a lost connection, which it may have survived.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

import tenacity

from dispatchbot.config import ProviderSettings
from dispatchbot.logs import get_logger

log = get_logger(__name__)

T = TypeVar("T")

MAX_BACKOFF_SECONDS = 8.0
"""The longest wait without `Retry-After`: long enough to ease off, short enough for a 30 s deadline."""


class Trouble(StrEnum):
    """Why a provider refused for now, in the words people are told ("is rate-limiting us")."""

    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Refusal:
    """An attempt failed in a way that trying again later may fix."""

    trouble: Trouble
    retry_after: float | None = None
    """Seconds the provider asked us to wait, when it said."""
    maybe_done: bool = False
    """The request may have been carried out anyway (500, 502, 504, a lost connection)."""


CONNECTION_LOST = Refusal(Trouble.UNAVAILABLE, maybe_done=True)

Classify = Callable[[BaseException], Refusal | None]
"""An adapter's reading of its SDK's exceptions: a `Refusal`, or None for "do not retry"."""


@dataclass(frozen=True)
class RetryPolicy:
    deadline: float = 30.0
    """Seconds one call may take in all, its waits included."""
    error_retries: int = 2
    """Retries of a 5xx without `Retry-After` or of a lost connection (rate limits have only the deadline)."""
    backoff: float = 0.5
    """The first wait without `Retry-After`; it doubles on each retry, plus up to as much again of jitter."""

    @classmethod
    def from_settings(cls, settings: ProviderSettings) -> RetryPolicy:
        return cls(
            deadline=settings.retry_deadline_seconds,
            error_retries=settings.error_retries,
            backoff=settings.retry_backoff_seconds,
        )


def retry_after(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a response's headers: `Retry-After` as delta-seconds or as an HTTP-date, else
    `RateLimit-Reset` (seconds; the IETF draft PagerDuty follows); None when neither says."""
    if not headers:
        return None
    fields = {str(name).lower(): str(value) for name, value in headers.items()}
    value = fields.get("retry-after", "").strip()
    if value:
        seconds = _seconds(value)
        if seconds is not None:
            return seconds
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        moment = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return _seconds(fields.get("ratelimit-reset", ""))


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def refusal_for_status(status: int, headers: Mapping[str, str] | None = None) -> Refusal | None:
    """What an HTTP status means for retrying: 429 and 503 were not carried out; 500, 502 and 504 may
    have been; anything else (a 4xx that will not change) is not retried."""
    wait = retry_after(headers)
    if status == 429:
        return Refusal(Trouble.RATE_LIMITED, wait)
    if status == 503:
        return Refusal(Trouble.UNAVAILABLE, wait)
    if status in (500, 502, 504):
        return Refusal(Trouble.UNAVAILABLE, wait, maybe_done=True)
    return None


async def call(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    classify: Classify,
    idempotent: bool,
    provider: str,
    operation: str,
) -> T:
    """`attempt()` until it succeeds, fails in a way not worth retrying, or the deadline is near; the
    last failure is raised as it was. Each attempt gets what is left of the deadline (then
    `TimeoutError`), except that an attempt cut short after the provider refused an earlier one raises
    that refusal: the wait it asked for is why time ran out, and "rate-limited" is what people are
    told then, not "did not answer". `provider` and `operation` name the call in the log."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + policy.deadline
    errors = 0
    backoff = tenacity.wait_exponential_jitter(
        multiplier=policy.backoff, max=MAX_BACKOFF_SECONDS, jitter=policy.backoff
    )

    def worth_retrying(exc: BaseException) -> bool:
        nonlocal errors
        refusal = classify(exc)
        if refusal is None or (refusal.maybe_done and not idempotent):
            return False
        if refusal.trouble is Trouble.UNAVAILABLE and refusal.retry_after is None:
            errors += 1
            return errors <= policy.error_retries
        return True

    def wait(state: tenacity.RetryCallState) -> float:
        """As long as the provider asked, and never less than the back-off: a `Retry-After: 0` answered
        by 429 after 429 must not become a tight loop."""
        refusal = classify(_failure(state))
        asked = refusal.retry_after if refusal is not None else None
        return backoff(state) if asked is None else max(asked, backoff(state))

    refused: BaseException | None = None  # the failure the call last waited after

    def note(state: tenacity.RetryCallState) -> None:
        nonlocal refused
        refused = _failure(state)
        refusal = classify(refused)
        log.info(
            "provider.retrying",
            provider=provider,
            operation=operation,
            trouble=refusal.trouble.value if refusal else None,
            retry_after=refusal.retry_after if refusal else None,
            wait_seconds=round(state.upcoming_sleep, 2),
            attempt=state.attempt_number,
        )

    async def timed() -> T:
        return await asyncio.wait_for(attempt(), timeout=max(ends_at - loop.time(), 0.0))

    retrying = tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(worth_retrying),
        wait=wait,
        stop=tenacity.stop_before_delay(policy.deadline),
        before_sleep=note,
        reraise=True,
    )
    try:
        return await retrying(timed)
    except TimeoutError:
        if refused is None:
            raise
        raise refused from None


def _failure(state: tenacity.RetryCallState) -> BaseException:
    assert state.outcome is not None  # tenacity waits and logs only after an attempt failed
    failure = state.outcome.exception()
    assert failure is not None
    return failure
