"""Use case: comments assigned in incident documents become incident tasks, and back."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps


async def sync(deps: Deps, now: datetime) -> None:
    """Scheduler tick for active and stable incidents."""
