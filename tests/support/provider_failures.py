"""How every provider adapter fails, checked the same way in each adapter's tests.

A refused API key is a `ProviderError` for good, naming the provider and never the key. A provider that
keeps rate-limiting is waited for as long as `Retry-After` asks, but only while the wait ends within the
call's deadline; then the adapter gives up with a rate-limited `ProviderUnavailable`, so the caller can
say the work is delayed and leave it to a durable run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

import pytest

from dispatchbot.config import ProviderSettings
from dispatchbot.errors import ProviderError, ProviderUnavailable

QUICK = ProviderSettings(retry_deadline_seconds=3.0, retry_backoff_seconds=0.05)
"""A short deadline and back-off, so giving up is quick to see."""
WRONG_KEY = "not-the-key"


async def refuses_the_key(call: Awaitable[object], provider: str) -> None:
    """`call`, by an adapter configured with WRONG_KEY, fails as refused, naming `provider`, not the key."""
    with pytest.raises(ProviderError, match=r"API key was refused \(HTTP 401\)") as refused:
        await call
    assert WRONG_KEY not in str(refused.value)
    assert refused.value.provider == provider


async def gives_up_before_the_deadline(call: Awaitable[object]) -> None:
    """`call`, to a provider answering 429 with `Retry-After: 2` every time, gives up after one wait:
    a second would end past QUICK's 3 s deadline."""
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=r"rate-limiting the bot \(HTTP 429\)") as caught:
        await call
    assert 2.0 <= time.monotonic() - started < 3.0
    assert caught.value.rate_limited
