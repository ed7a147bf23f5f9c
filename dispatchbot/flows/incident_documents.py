"""Use case: the incident's documents (folder, incident document, review and executive documents)."""

from __future__ import annotations

from dispatchbot.deps import Deps
from dispatchbot.flows.runner import RunContext


async def create_documents(ctx: RunContext[Deps]) -> None:
    """Create-incident step, after the channel is ready: folder and incident document."""


async def follow_update(ctx: RunContext[Deps]) -> None:
    """Update-incident step: the review document on Stable; open the documents to the domain on Closed."""
