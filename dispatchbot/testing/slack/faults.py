"""Fault injection for the fake Web API: latency, rate limits and server errors, per method.

Faults are what make retry handlers, backoff and "Slack is slow today" paths testable without a real
outage. They apply before a method runs, so a rejected call changes nothing in the workspace.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

ANY_METHOD = "*"


@dataclass(frozen=True)
class FaultResponse:
    """What the server answers instead of running the method."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Countdown:
    times: int
    response: FaultResponse


@dataclass
class _TokenBucket:
    """Slack's per-method budget: ``per_minute`` calls, refilled continuously."""

    per_minute: int
    tokens: float
    updated: float

    def take(self, now: float) -> int | None:
        """Spend one call; return None if allowed, else the whole seconds until one is available."""
        rate = self.per_minute / 60.0
        self.tokens = min(float(self.per_minute), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / rate))


class Faults:
    """Per-method faults; ``"*"`` matches every method. ``clear()`` removes them all."""

    def __init__(self) -> None:
        self._latency: dict[str, float] = {}
        self._countdowns: dict[str, list[_Countdown]] = {}
        self._buckets: dict[str, _TokenBucket] = {}

    def latency(self, method: str, seconds: float) -> None:
        """Delay every call to ``method`` by ``seconds`` before it is handled."""
        self._latency[method] = seconds

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls get HTTP 429 ``ratelimited`` with a ``Retry-After`` header."""
        self._countdowns.setdefault(method, []).append(
            _Countdown(times, FaultResponse(429, "ratelimited", retry_after))
        )

    def rate_limit_per_minute(self, method: str, per_minute: int) -> None:
        """Allow bursts up to ``per_minute`` calls, then 429 with the wait until the bucket refills."""
        self._buckets[method] = _TokenBucket(per_minute, float(per_minute), time.monotonic())

    def server_error(self, method: str, times: int = 1, status: int = 500) -> None:
        """The next ``times`` calls fail with an HTTP ``status`` (Slack's ``internal_error``)."""
        self._countdowns.setdefault(method, []).append(
            _Countdown(times, FaultResponse(status, "internal_error"))
        )

    def error(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls answer ``{"ok": false, "error": error}``, as Slack does when it refuses
        (e.g. ``channel_not_found`` for a channel deleted meanwhile)."""
        self._countdowns.setdefault(method, []).append(_Countdown(times, FaultResponse(200, error)))

    def clear(self) -> None:
        self._latency.clear()
        self._countdowns.clear()
        self._buckets.clear()

    async def apply(self, method: str) -> FaultResponse | None:
        """Sleep for configured latency, then return the fault this call gets, if any."""
        delay = self._latency.get(method, self._latency.get(ANY_METHOD, 0.0))
        if delay > 0:
            await asyncio.sleep(delay)
        for key in (method, ANY_METHOD):
            pending = self._countdowns.get(key, [])
            while pending and pending[0].times <= 0:
                pending.pop(0)
            if pending:
                pending[0].times -= 1
                return pending[0].response
        for key in (method, ANY_METHOD):
            bucket = self._buckets.get(key)
            if bucket is not None:
                wait = bucket.take(time.monotonic())
                if wait is not None:
                    return FaultResponse(429, "ratelimited", wait)
        return None
