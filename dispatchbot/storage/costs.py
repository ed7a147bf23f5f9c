"""What incident costs are computed from, read set-based, and the figures written back.

However many incidents a run covers, their facts, roles, status changes and messages are read in one
query each, and every figure is written in one executemany UPDATE. Times are read as epoch seconds
computed by the database, and rows as plain Core rows: parsing a hundred thousand timestamps and
building ORM objects would cost more than everything else together. Flush, never commit: services own
transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Row, Select, bindparam, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dispatchbot.domain import Role, Status
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
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

_INCIDENTS = IncidentRow.metadata.tables[IncidentRow.__tablename__]
"""The Core table, for the executemany update in `store` (ORM bulk updates match by primary key only)."""

IncidentFacts = Row[int, str, str, float, float, float, float, str | None]
"""(id, status, type, created, stable, closed (epoch seconds), cost, header ts) of an incident."""
RoleSpan = Row[int, str, str, float, float]
"""(incident, user, role, assumed, renounced) of a role someone held."""
StatusChange = Row[int, float, dict[str, Any]]
"""(incident, when, timeline details) of a status change."""
Message = Row[int, str, float]
"""(incident, user, when) of a message someone posted."""


@dataclass(frozen=True)
class CostInputs:
    """Everything the cost models read for a set of incidents."""

    incidents: Sequence[IncidentFacts]
    spans: Sequence[RoleSpan]
    changes: Sequence[StatusChange]
    messages: Sequence[Message]


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


class CostRepository(Repository):
    async def record_activity(
        self, incident_id: int, user_id: str, occurred_at: datetime, source_key: str
    ) -> bool:
        """Record a message once per `source_key`; False when it was recorded already."""
        values = {
            "incident_id": incident_id,
            "user_id": user_id,
            "occurred_at": occurred_at,
            "source_key": source_key,
        }
        return await insert_if_absent(self._session, ParticipantActivityRow.__table__, values)

    async def inputs(self, incident_id: int | None, activity_types: list[str]) -> CostInputs:
        """What the models need for one incident, or (`incident_id` None) for every open (Active or
        Stable) one; incidents of `activity_types` use the activity model, the others the classic."""
        scope = IncidentRow.status.in_(OPEN) if incident_id is None else IncidentRow.id == incident_id
        classic = IncidentRow.incident_type.not_in(activity_types)
        connection = await self._session.connection()
        incidents = (await connection.execute(_incidents(scope))).all()
        if not incidents:
            return CostInputs([], [], [], [])
        spans = (await connection.execute(_role_spans(scope, classic))).all()
        changes = (await connection.execute(_status_changes(scope, classic))).all()
        messages = (
            (await connection.execute(_messages(scope, activity_types))).all() if activity_types else []
        )
        return CostInputs(incidents, spans, changes, messages)

    async def store(self, figures: list[tuple[int, str, float]], now: datetime) -> None:
        """Write each (incident, status it was computed for, cost) in one executemany UPDATE, each row
        guarded by that status: an incident whose status changed since keeps the figure it has."""
        statement = (
            update(_INCIDENTS)
            .where(
                _INCIDENTS.c.id == bindparam("incident_id"),
                _INCIDENTS.c.status == bindparam("seen_status"),
            )
            .values(cost=bindparam("new_cost"), cost_updated_at=now)
        )
        parameters = [
            {"incident_id": incident_id, "seen_status": status, "new_cost": cost}
            for incident_id, status, cost in figures
        ]
        await (await self._session.connection()).execute(statement, parameters)


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
    """Role spans of the classic-model incidents; Observers weigh nothing and count for no review, so
    they are left out."""
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
    """Every status change of the classic-model incidents."""
    return (
        select(TimelineEventRow.incident_id, epoch(TimelineEventRow.occurred_at), TimelineEventRow.details)
        .join(IncidentRow, IncidentRow.id == TimelineEventRow.incident_id)
        .where(scope, classic, TimelineEventRow.kind == STATUS_CHANGED)
    )


def _messages(scope: ColumnElement[bool], activity_types: list[str]) -> Select[int, str, float]:
    """Every recorded message of the activity-model incidents."""
    return (
        select(
            ParticipantActivityRow.incident_id,
            ParticipantActivityRow.user_id,
            epoch(ParticipantActivityRow.occurred_at),
        )
        .join(IncidentRow, IncidentRow.id == ParticipantActivityRow.incident_id)
        .where(scope, IncidentRow.incident_type.in_(activity_types))
    )
