"""Slack rate limits without stampedes: after a 429, calls to that method go single file.

Slack limits per method and workspace, and answers 429 with Retry-After. Retrying each caller on its
own (the SDK's handler) lets fifty waiting callers all retry at the same instant, burn their retries
and fail. Here the first 429 throttles the method: every caller queues, one request at a time waits
out the Retry-After, and the first success lifts the throttle. A burst therefore finishes at the
pace Slack allows, in order, with nobody giving up early.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from slack_sdk.errors import SlackApiError

T = TypeVar("T")

DEFAULT_RETRY_AFTER = 1.0
MAX_WAIT_SECONDS = 600.0


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait, when `error` is a rate limit; None for any other error."""
    if error.response.status_code != 429:
        return None
    headers = error.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


class MethodPacer:
    """One Web API method's throttle state, shared by every caller in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._single_file = asyncio.Lock()
        self._throttled = False
        self._blocked_until = 0.0

    async def call(self, send: Callable[[], Awaitable[T]], on_limited: Callable[[], None]) -> T:
        if not self._throttled:
            try:
                return await send()
            except SlackApiError as exc:
                wait = retry_after(exc)
                if wait is None:
                    raise
                on_limited()
                self._throttle(wait)
        return await self._queued(send, on_limited)

    async def _queued(self, send: Callable[[], Awaitable[T]], on_limited: Callable[[], None]) -> T:
        deadline = self._clock() + MAX_WAIT_SECONDS
        async with self._single_file:
            while True:
                delay = self._blocked_until - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    result = await send()
                except SlackApiError as exc:
                    wait = retry_after(exc)
                    if wait is None or self._clock() + wait > deadline:
                        raise
                    on_limited()
                    self._throttle(wait)
                    continue
                self._throttled = False
                return result

    def _throttle(self, wait: float) -> None:
        self._throttled = True
        self._blocked_until = max(self._blocked_until, self._clock() + wait)
