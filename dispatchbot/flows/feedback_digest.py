"""Use case: the daily digest of feedback each commander got on their incidents."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: once the configured local time has passed, send today's digests (once each)."""
