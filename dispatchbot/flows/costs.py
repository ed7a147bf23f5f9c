"""Use case: accrue every open incident's response cost."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps
from dispatchbot.flows.runner import RunContext


async def accrue(deps: Deps, now: datetime) -> None:
    """Scheduler tick: recompute the cost of every open incident from its full history."""


async def follow_update(ctx: RunContext[Deps]) -> None:
    """Update-incident step: recompute on Stable (review hours) and make the cost final on Closed."""
