"""Running a synchronous vendor SDK call from the event loop, as the adapters do.

Their SDKs block, so each attempt at an operation runs in a worker thread, under the retry policy of
`providers/retries.py` (Retry-After honoured, waits on the event loop, one deadline per call): people
wait on these calls, and a vendor outage must become a `ProviderError` they can read, never a hung flow.
What each vendor's exceptions mean stays in its adapter (`translate`, `classify`); the thread, the
retries, the deadline and the logging are the same for all of them and live here; `run_async` gives
them to adapters whose client is asynchronous already (`http_api.py`).

A thread cannot be stopped, so an attempt the caller stopped waiting for (its deadline passed, or the
flow was cancelled at shutdown) would go on and could still make what it was making — a folder, say —
next to the one the retry makes. Each attempt therefore gets a `Checkpoint` that the adapter's client
calls before every HTTP request; once the attempt is abandoned it raises `Abandoned`, so the thread
sends nothing more (a request already on the wire still finishes).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.logs import get_logger
from dispatchbot.providers import retries
from dispatchbot.providers.retries import Classify, RetryPolicy, Trouble

log = get_logger(__name__)

T = TypeVar("T")

Checkpoint = Callable[[], None]
"""Called by an adapter's client before each HTTP request of an attempt; raises `Abandoned` once the
caller stopped waiting for that attempt."""


class Abandoned(Exception):
    """Raised in the worker thread of an attempt nobody waits for any more: send nothing more."""


class _Attempt:
    def __init__(self) -> None:
        self._abandoned = threading.Event()

    def checkpoint(self) -> None:
        if self._abandoned.is_set():
            raise Abandoned

    def abandon(self) -> None:
        self._abandoned.set()


async def _in_thread(call: Callable[[Checkpoint], T]) -> T:
    """One attempt in a worker thread; if it is not awaited to the end, its checkpoint stops it."""
    attempt = _Attempt()
    try:
        return await asyncio.to_thread(call, attempt.checkpoint)
    except asyncio.CancelledError:  # timed out by the deadline, or the flow was cancelled
        attempt.abandon()
        raise


async def run_blocking(
    call: Callable[[Checkpoint], T],
    *,
    provider: str,
    name: str,
    what: str,
    policy: RetryPolicy,
    failures: tuple[type[Exception], ...],
    translate: Callable[[Exception], ProviderError],
    classify: Classify,
    idempotent: bool = True,
) -> T:
    """`call(checkpoint)` in a thread, retried per `policy` while `classify` says a failure may pass;
    `failures` become `translate(exc)`, and a `ProviderUnavailable` when the provider was refusing for
    now. `call` hands `checkpoint` to its client, which calls it before each request.

    `provider` is the vendor's display name (in the error text), `name` the adapter's registry name
    (in the log), `what` the failed operation as people read it ("could not page ..."). `idempotent`
    says whether running `call` twice is harmless (see `providers/retries.py`).
    """
    return await run_async(
        lambda: _in_thread(call),
        provider=provider,
        name=name,
        what=what,
        policy=policy,
        failures=failures,
        translate=translate,
        classify=classify,
        idempotent=idempotent,
    )


async def run_async(
    attempt: Callable[[], Awaitable[T]],
    *,
    provider: str,
    name: str,
    what: str,
    policy: RetryPolicy,
    failures: tuple[type[Exception], ...],
    translate: Callable[[Exception], ProviderError],
    classify: Classify,
    idempotent: bool = True,
) -> T:
    """`run_blocking` for an adapter whose client is asynchronous already (aiohttp): `attempt()` on the
    event loop, with the same retries, deadline and translation of failures."""
    try:
        return await retries.call(
            attempt,
            policy=policy,
            classify=classify,
            idempotent=idempotent,
            provider=name,
            operation=what,
        )
    except ProviderError as exc:
        log.warning("provider.failed", provider=name, operation=what, detail=exc.detail)
        raise
    except TimeoutError as exc:
        problem = f"{provider} did not answer within {policy.deadline:g} s"
        raise failed(provider, name, what, problem, trouble=Trouble.UNAVAILABLE) from exc
    except failures as exc:
        error = translate(exc)
        refusal = classify(exc)
        if refusal is None:
            raise error from exc
        rate_limited = refusal.trouble is Trouble.RATE_LIMITED
        raise ProviderUnavailable(error.provider, error.detail, rate_limited=rate_limited) from exc


def failed(
    provider: str,
    name: str,
    what: str,
    problem: str,
    *,
    status: int | None = None,
    trouble: Trouble | None = None,
) -> ProviderError:
    """The `ProviderError` for a failed operation, logged once where it is made; a `ProviderUnavailable`
    when `trouble` says the provider was refusing for now."""
    log.warning("provider.failed", provider=name, operation=what, status=status, detail=problem)
    detail = f"{what}: {problem}"
    if trouble is None:
        return ProviderError(provider, detail)
    return ProviderUnavailable(provider, detail, rate_limited=trouble is Trouble.RATE_LIMITED)
