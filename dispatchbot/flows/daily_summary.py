"""Use case: the daily summary of incidents posted to each notification channel."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: once the configured local time has passed, post today's summaries (once each)."""
