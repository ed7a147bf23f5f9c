"""Which entity values each case's alerts carried, for signals that de-duplicate on entities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.storage.inserts import insert_or_update
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import CaseEntityRow, CaseRow

ENTITIES = cast(Table, CaseEntityRow.__table__)
CASES = cast(Table, CaseRow.__table__)

Sighting = tuple[int, str, str, str, datetime]
"""(case id, signal, entity name, value, last seen)."""


class CaseEntityRepository(Repository):
    async def open_sightings(
        self, signals: Iterable[str], values: Iterable[str], since: datetime
    ) -> list[Sighting]:
        """Entity values of open cases of `signals` among `values`, seen since `since`, oldest case first."""
        wanted_signals, wanted_values = sorted(set(signals)), sorted(set(values))
        if not wanted_signals or not wanted_values:
            return []
        rows = await self._session.execute(
            select(
                ENTITIES.c.case_id,
                ENTITIES.c.signal,
                ENTITIES.c.name,
                ENTITIES.c.value,
                ENTITIES.c.last_seen_at,
            )
            .join(CASES, CASES.c.id == ENTITIES.c.case_id)
            .where(
                ENTITIES.c.signal.in_(wanted_signals),
                ENTITIES.c.value.in_(wanted_values),
                ENTITIES.c.last_seen_at >= since,
                CASES.c.status != CaseStatus.CLOSED.value,
            )
            .order_by(ENTITIES.c.case_id)
        )
        return [(row.case_id, row.signal, row.name, row.value, row.last_seen_at) for row in rows]

    async def seen(self, sightings: Mapping[tuple[int, str, str], tuple[str, datetime]]) -> None:
        """Record (case, name, value) → (signal, when), the latest time winning."""
        rows = [
            {"case_id": case_id, "name": name, "value": value, "signal": signal, "last_seen_at": at}
            for (case_id, name, value), (signal, at) in sightings.items()
        ]
        await insert_or_update(self._session, ENTITIES, rows, ["case_id", "name", "value"], ["last_seen_at"])
