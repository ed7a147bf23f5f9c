"""Incident response cost: recomputed from the full history on every run (idempotent, no drift).

The models are pure (`dispatchbot/costs.py`); this service loads their input and stores their output
set-based (`storage/costs.py`): however many incidents a run covers, it reads the incidents, their
roles, their status changes and their messages in one query each, computes in Python, and writes every
figure in one executemany UPDATE, so a tick over ten thousand open incidents costs five statements.

A figure is written only if the incident still has the status it was computed for: a tick that
raced an update (say, the close that stores the final figure) leaves the update's figure alone.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot import costs
from dispatchbot.clock import Clock
from dispatchbot.config import CostSettings
from dispatchbot.domain import CostModel, Role, Status
from dispatchbot.storage.costs import CostInputs, CostRepository

_ROLES = {role.value: role for role in Role}
_STATUSES = {status.value: status for status in Status}
"""Enum lookups by value: several times faster than calling the enum, for ~50,000 rows a tick."""


@dataclass(frozen=True)
class CostChange:
    """An incident's stored cost before and after a run; `pinned` when it has a header showing it."""

    incident_id: int
    before: float
    after: float
    pinned: bool

    @property
    def shown_changed(self) -> bool:
        return costs.shown(self.before) != costs.shown(self.after)


class CostService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: CostSettings
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    async def record_activity(self, incident_id: int, user_id: str, channel_id: str, ts: str) -> bool:
        """A participant's message (its Slack ts is when it was written); False when already recorded,
        so redelivered events add nothing."""
        occurred_at = datetime.fromtimestamp(float(ts), UTC)
        async with self._sessions.begin() as session:
            return await CostRepository(session).record_activity(
                incident_id, user_id, occurred_at, f"{channel_id}:{ts}"
            )

    async def accrue(self, now: datetime, models: Mapping[str, CostModel]) -> list[CostChange]:
        """Recompute every open (Active or Stable) incident; `models` maps incident types to models
        (types not in it are classic)."""
        return await self._recompute(None, now, models)

    async def recompute(self, incident_id: int, models: Mapping[str, CostModel]) -> CostChange | None:
        """Recompute one incident now, whatever its status: the update flow's figure on Stable, and the
        final one on Closed (after which only a reopen brings it back to the ticks)."""
        found = await self._recompute(incident_id, self._clock.now(), models)
        return found[0] if found else None

    async def _recompute(
        self, incident_id: int | None, now: datetime, models: Mapping[str, CostModel]
    ) -> list[CostChange]:
        """Recompute one incident, or (`incident_id` None) every open one."""
        activity_types = [name for name, model in models.items() if model is CostModel.ACTIVITY]
        async with self._sessions.begin() as session:
            found = await CostRepository(session).inputs(incident_id, activity_types)
        if not found.incidents:
            return []
        with _collector_paused():
            computed = _price(found, models, now.timestamp(), self._settings)
        async with self._sessions.begin() as session:
            await CostRepository(session).store(computed, now)
        return [
            CostChange(row.id, row.cost, cost, row.header_ts is not None)
            for row, (_id, _status, cost) in zip(found.incidents, computed, strict=True)
        ]


def _price(
    found: CostInputs, models: Mapping[str, CostModel], now: float, settings: CostSettings
) -> list[tuple[int, str, float]]:
    """(incident id, the status it was priced in, cost) for each incident row, in order: the rows made
    into model inputs, grouped by incident, and priced."""
    roles: dict[int, list[costs.RoleSpan]] = defaultdict(list)
    for incident_id, user_id, role, assumed_at, renounced_at in found.spans:
        roles[incident_id].append(costs.RoleSpan(user_id, _ROLES[role], assumed_at, renounced_at))
    status_changes: dict[int, list[tuple[float, Status]]] = defaultdict(list)
    for incident_id, occurred_at, details in found.changes:
        status_changes[incident_id].append((occurred_at, _STATUSES[details["to"]]))
    posted: dict[int, list[costs.Message]] = defaultdict(list)
    for incident_id, user_id, occurred_at in found.messages:
        posted[incident_id].append(costs.Message(user_id, occurred_at))
    priced = []
    for incident_id, status, incident_type, created_at, stable_at, closed_at, _, _ in found.incidents:
        history = costs.History(
            model=models.get(incident_type, CostModel.CLASSIC),
            status=_STATUSES[status],
            created_at=created_at,
            stable_at=stable_at,
            closed_at=closed_at,
            roles=roles.get(incident_id, ()),
            status_changes=status_changes.get(incident_id, ()),
            messages=posted.get(incident_id, ()),
        )
        hours = costs.response_hours(history, now, settings.activity_window_seconds)
        priced.append((incident_id, status, hours * settings.hourly_rate))
    return priced


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around synchronous, allocation-heavy work.

    Grouping and pricing ten thousand incidents makes ~100,000 short-lived tuples; each few thousand
    allocations wake the collector, and its full passes over the whole process heap took a third of a
    tick. Nothing made here forms a cycle, so reference counting frees it all the same. The block has
    no await, so no other task ever runs with the collector paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
