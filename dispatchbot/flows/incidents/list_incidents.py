"""Use case: `/dispatch-list-incidents [filter text]`, answered after the ack (reads only, no Slack calls)."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.incidents.list_incidents import incident_list
from dispatchbot.deps import Deps


async def answer(deps: Deps, user_id: str, search: str) -> tuple[str, list[dict[str, Any]]]:
    """What this person may see, newest first, bounded by `list_limit`; restricted ones only if theirs."""
    search = search.strip()
    incidents, total = await deps.incidents.listing(
        user_id, limit=deps.settings.incidents.list_limit, search=search
    )
    return incident_list(incidents, total, search)
