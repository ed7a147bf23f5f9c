"""Use case: pages and their ack loop (page the commander at creation, poll, escalate, resolve on close)."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps
from dispatchbot.flows.runner import RunContext


async def page_commander(ctx: RunContext[Deps]) -> None:
    """Create-incident step: page the commander when the priority says so."""


async def follow_update(ctx: RunContext[Deps]) -> None:
    """Update-incident step: closing the incident resolves its open pages."""


async def poll(deps: Deps, now: datetime) -> None:
    """Scheduler tick: follow open pages until acknowledged; escalate after the priority's ack timeout."""
