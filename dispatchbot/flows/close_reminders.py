"""Use case: remind commanders to close incidents that have been Stable for a long time."""

from __future__ import annotations

from dispatchbot.deps import Deps
from dispatchbot.flows.runner import RunContext


async def follow_update(ctx: RunContext[Deps]) -> None:
    """Update-incident step: arm the close reminder on Stable, cancel it when the incident leaves Stable."""
