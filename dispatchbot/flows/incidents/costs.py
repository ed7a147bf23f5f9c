"""Use case: keep every open incident's response cost current, and make it final when it closes.

The scheduler tick recomputes all open incidents at once (set-based, see `services/costs.py`); the
update flow recomputes one incident when its status or type changes (Stable adds review hours, a new
type may mean a new model) and stores the final figure on Closed. Ticks cover Active and Stable
incidents only, so a closed incident's cost never moves again unless it is reopened.

Pinned headers show the cost. Editing every header on every tick would flood Slack, so only headers
whose figure changed to the dollar are edited, in the background, a few at a time. Only the pinned
message is edited (not the topic, which does not show the cost).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from dispatchbot.deps import Deps
from dispatchbot.domain import CostModel, Incident, Status
from dispatchbot.errors import ProviderError
from dispatchbot.flows.incidents import incident_channel
from dispatchbot.flows.incidents.update_incident_run import UpdateIncidentContext
from dispatchbot.logs import get_logger

log = get_logger(__name__)

HEADER_CONCURRENCY = 4
"""Header edits at once after a tick: polite to Slack's per-channel limits, quick enough for a few
hundred open incidents within one accrual interval."""

HEADER_BATCH = 500
"""Incidents loaded per query when editing headers, to keep IN lists short on every backend."""

COST_FIELDS = frozenset({"status", "incident_type"})
"""Updates that move the cost between ticks: a status change, or a type change (maybe a new model)."""


async def accrue(deps: Deps, now: datetime) -> None:
    """Scheduler tick: recompute the cost of every open incident from its full history."""
    changes = await deps.costs.accrue(now, cost_models(deps))
    stale = [change.incident_id for change in changes if change.pinned and change.shown_changed]
    if stale:
        deps.background.spawn(show(deps, stale), name="cost-headers")
    # One line per tick that changed what people see; quiet ticks only at DEBUG.
    (log.info if stale else log.debug)("costs.accrued", incidents=len(changes), headers=len(stale))


async def follow_update(ctx: UpdateIncidentContext) -> None:
    """Update-incident step: recompute on Stable (review hours) and make the cost final on Closed."""
    changed = set(ctx.state.changed or ())
    if not changed & COST_FIELDS:
        return
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)
    if incident.status is Status.CLOSED and "status" not in changed:
        return  # final: editing a closed incident's type does not reprice it
    change = await deps.costs.recompute(incident.id, cost_models(deps))
    archived = incident.status is Status.CLOSED and deps.settings.incidents.archive_on_close
    if change is not None and change.pinned and change.shown_changed and not archived:
        await show(deps, [incident.id])  # the refresh step before this one showed the old figure


def cost_models(deps: Deps) -> Mapping[str, CostModel]:
    return {entry.name: entry.cost_model for entry in deps.catalog.incident_types}


async def show(deps: Deps, incident_ids: list[int]) -> None:
    """Edit these incidents' pinned headers to show their stored cost, a few at a time."""
    gate = asyncio.Semaphore(HEADER_CONCURRENCY)

    async def edit(incident: Incident) -> None:
        async with gate:
            await _edit_header(deps, incident)

    for start in range(0, len(incident_ids), HEADER_BATCH):
        incidents = await deps.incidents.many(set(incident_ids[start : start + HEADER_BATCH]))
        results = await asyncio.gather(*(edit(i) for i in incidents.values()), return_exceptions=True)
        for incident, result in zip(incidents.values(), results, strict=True):
            if isinstance(result, Exception):
                log.error("costs.header_failed", incident=incident.reference, exc_info=result)


async def _edit_header(deps: Deps, incident: Incident) -> None:
    """A header that cannot be edited (the channel was archived meanwhile) is logged, not raised."""
    if incident.channel_id is None or incident.header_ts is None:
        return
    text, blocks = await incident_channel.header(deps, incident)
    try:
        await deps.slack.update_message(incident.channel_id, incident.header_ts, text, blocks)
    except ProviderError as exc:
        log.warning("costs.header_not_updated", incident=incident.reference, error=exc.detail)
