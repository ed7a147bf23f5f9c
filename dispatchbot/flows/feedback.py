"""Use case: ask every participant how a closed incident went, and store the answers."""

from __future__ import annotations

from dispatchbot.deps import Deps
from dispatchbot.flows.runner import RunContext


async def follow_update(ctx: RunContext[Deps]) -> None:
    """Update-incident step: on Closed, DM each human participant a Provide feedback button."""
