"""Incident response cost: recomputed from the full history on every run (idempotent, no drift).

The models are pure (`dispatchbot/costs.py`); this service loads their input and stores their output
set-based: however many incidents a run covers, it reads the incidents, their roles, their status
changes and their messages in one query each, computes in Python, and writes every figure in one
executemany UPDATE, so a tick over ten thousand open incidents costs five statements. Times are read
as epoch seconds computed by the database, and rows as plain Core rows: parsing a hundred thousand
timestamps and building ORM objects would cost more than everything else together.

A figure is written only if the incident still has the status it was computed for: a tick that
raced an update (say, the close that stores the final figure) leaves the update's figure alone.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Row, Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dispatchbot import costs
from dispatchbot.clock import Clock
from dispatchbot.config import CostSettings
from dispatchbot.domain import CostModel, Role, Status
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import (
    IncidentRow,
    ParticipantActivityRow,
    ParticipantRoleRow,
    ParticipantRow,
    TimelineEventRow,
)

OPEN = (Status.ACTIVE.value, Status.STABLE.value)
STATUS_CHANGED = "status_changed"
"""The timeline event `IncidentService.update` records for each status change (details: from, to)."""

_ROLES = {role.value: role for role in Role}
_STATUSES = {status.value: status for status in Status}
"""Enum lookups by value: several times faster than calling the enum, for ~50,000 rows a tick."""


class epoch(FunctionElement[float]):  # lower case: it reads as the SQL function it compiles to
    """A UTC timestamp column as seconds since the epoch (NULL stays NULL), computed by the database."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: whole seconds, plus the fraction (exact to the µs).
    column = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', {column}) AS REAL) + CAST(substr({column}, 20) AS REAL))"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


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
        values = {
            "incident_id": incident_id,
            "user_id": user_id,
            "occurred_at": datetime.fromtimestamp(float(ts), UTC),
            "source_key": f"{channel_id}:{ts}",
        }
        async with self._sessions.begin() as session:
            return await insert_if_absent(session, ParticipantActivityRow.__table__, values)  # type: ignore[arg-type]

    async def accrue(self, now: datetime, models: Mapping[str, CostModel]) -> list[CostChange]:
        """Recompute every open (Active or Stable) incident; `models` maps incident types to models
        (types not in it are classic)."""
        return await self._recompute(IncidentRow.status.in_(OPEN), now, models)

    async def recompute(self, incident_id: int, models: Mapping[str, CostModel]) -> CostChange | None:
        """Recompute one incident now, whatever its status: the update flow's figure on Stable, and the
        final one on Closed (after which only a reopen brings it back to the ticks)."""
        found = await self._recompute(IncidentRow.id == incident_id, self._clock.now(), models)
        return found[0] if found else None

    async def _recompute(
        self, scope: ColumnElement[bool], now: datetime, models: Mapping[str, CostModel]
    ) -> list[CostChange]:
        activity_types = [name for name, model in models.items() if model is CostModel.ACTIVITY]
        classic = IncidentRow.incident_type.not_in(activity_types)
        async with self._sessions.begin() as session:
            connection = await session.connection()
            incidents = (await connection.execute(_incidents(scope))).all()
            if not incidents:
                return []
            spans = (await connection.execute(_role_spans(scope, classic))).all()
            changes = (await connection.execute(_status_changes(scope, classic))).all()
            messages = (
                (await connection.execute(_messages(scope, activity_types))).all() if activity_types else []
            )
        with _collector_paused():
            computed = _price(incidents, spans, changes, messages, models, now.timestamp(), self._settings)
        await self._store(computed, now)
        return [
            CostChange(row.id, row.cost, cost, row.header_ts is not None)
            for row, (_id, _status, cost) in zip(incidents, computed, strict=True)
        ]

    async def _store(self, computed: list[tuple[int, str, float]], now: datetime) -> None:
        """One executemany UPDATE, each row guarded by the status its figure was computed for."""
        table: Table = IncidentRow.__table__  # type: ignore[assignment]
        statement = (
            update(table)
            .where(table.c.id == bindparam("incident_id"), table.c.status == bindparam("seen_status"))
            .values(cost=bindparam("new_cost"), cost_updated_at=now)
        )
        parameters = [
            {"incident_id": incident_id, "seen_status": status, "new_cost": cost}
            for incident_id, status, cost in computed
        ]
        async with self._sessions.begin() as session:
            await (await session.connection()).execute(statement, parameters)


def _incidents(
    scope: ColumnElement[bool],
) -> Select[int, str, str, float, float, float, float, str | None]:
    return select(
        IncidentRow.id,
        IncidentRow.status,
        IncidentRow.incident_type,
        epoch(IncidentRow.created_at),
        epoch(IncidentRow.stable_at),
        epoch(IncidentRow.closed_at),
        IncidentRow.cost,
        IncidentRow.header_ts,
    ).where(scope)


def _role_spans(
    scope: ColumnElement[bool], classic: ColumnElement[bool]
) -> Select[int, str, str, float, float]:
    """(incident, user, role, assumed, renounced) of the classic-model incidents; Observers weigh nothing
    and count for no review, so they are left out."""
    return (
        select(
            ParticipantRow.incident_id,
            ParticipantRow.user_id,
            ParticipantRoleRow.role,
            epoch(ParticipantRoleRow.assumed_at),
            epoch(ParticipantRoleRow.renounced_at),
        )
        .join(ParticipantRoleRow, ParticipantRoleRow.participant_id == ParticipantRow.id)
        .join(IncidentRow, IncidentRow.id == ParticipantRow.incident_id)
        .where(scope, classic, ParticipantRoleRow.role != Role.OBSERVER.value)
    )


def _status_changes(
    scope: ColumnElement[bool], classic: ColumnElement[bool]
) -> Select[int, float, dict[str, Any]]:
    """(incident, when, details) of every status change of the classic-model incidents."""
    return (
        select(TimelineEventRow.incident_id, epoch(TimelineEventRow.occurred_at), TimelineEventRow.details)
        .join(IncidentRow, IncidentRow.id == TimelineEventRow.incident_id)
        .where(scope, classic, TimelineEventRow.kind == STATUS_CHANGED)
    )


def _messages(scope: ColumnElement[bool], activity_types: list[str]) -> Select[int, str, float]:
    """(incident, user, when) of every recorded message of the activity-model incidents."""
    return (
        select(
            ParticipantActivityRow.incident_id,
            ParticipantActivityRow.user_id,
            epoch(ParticipantActivityRow.occurred_at),
        )
        .join(IncidentRow, IncidentRow.id == ParticipantActivityRow.incident_id)
        .where(scope, IncidentRow.incident_type.in_(activity_types))
    )


def _price(
    incidents: Sequence[Row[int, str, str, float, float, float, float, str | None]],
    spans: Sequence[Row[int, str, str, float, float]],
    changes: Sequence[Row[int, float, dict[str, Any]]],
    messages: Sequence[Row[int, str, float]],
    models: Mapping[str, CostModel],
    now: float,
    settings: CostSettings,
) -> list[tuple[int, str, float]]:
    """(incident id, the status it was priced in, cost) for each incident row, in order: the rows made
    into model inputs, grouped by incident, and priced."""
    roles: dict[int, list[costs.RoleSpan]] = defaultdict(list)
    for incident_id, user_id, role, assumed_at, renounced_at in spans:
        roles[incident_id].append(costs.RoleSpan(user_id, _ROLES[role], assumed_at, renounced_at))
    status_changes: dict[int, list[tuple[float, Status]]] = defaultdict(list)
    for incident_id, occurred_at, details in changes:
        status_changes[incident_id].append((occurred_at, _STATUSES[details["to"]]))
    posted: dict[int, list[costs.Message]] = defaultdict(list)
    for incident_id, user_id, occurred_at in messages:
        posted[incident_id].append(costs.Message(user_id, occurred_at))
    priced = []
    for incident_id, status, incident_type, created_at, stable_at, closed_at, _cost, _header in incidents:
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
