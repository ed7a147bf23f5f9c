"""Running a synchronous vendor SDK call from the event loop, as the on-call adapters do.

Their SDKs block, so each operation runs in a worker thread under an overall deadline: people wait on
these calls, and a vendor outage must become a `ProviderError` they can read within seconds, never a
hung flow. What each vendor's exceptions mean stays in its adapter (`translate`); the thread, the
deadline and the logging are the same for all of them and live here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)

T = TypeVar("T")


async def run_blocking(
    call: Callable[[], T],
    *,
    provider: str,
    name: str,
    what: str,
    deadline: float,
    failures: tuple[type[Exception], ...],
    translate: Callable[[Exception], ProviderError],
) -> T:
    """`call()` in a thread within `deadline` seconds; `failures` become `translate(exc)`.

    `provider` is the vendor's display name (in the error text), `name` the adapter's registry name
    (in the log), `what` the failed operation as people read it ("could not page ...").
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(call), timeout=deadline)
    except ProviderError as exc:
        log.warning("oncall.provider_failed", provider=name, operation=what, detail=exc.detail)
        raise
    except TimeoutError as exc:
        raise failed(provider, name, what, f"{provider} did not answer within {deadline:g} s") from exc
    except failures as exc:
        raise translate(exc) from exc


def failed(provider: str, name: str, what: str, problem: str, *, status: int | None = None) -> ProviderError:
    """The `ProviderError` for a failed operation, logged once where it is made."""
    log.warning("oncall.provider_failed", provider=name, operation=what, status=status, detail=problem)
    return ProviderError(provider, f"{what}: {problem}")
