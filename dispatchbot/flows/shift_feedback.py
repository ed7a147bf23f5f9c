"""Use case: ask people whose on-call shift just ended how it went (with one reminder)."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: find shifts that ended, ask once, remind once."""
