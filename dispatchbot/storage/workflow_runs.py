"""Workflow run rows: opened once per key, changed one at a time by the run that starts them and the
job that follows them, read in sets by that job (due for a poll, message behind, reply owed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update

from dispatchbot.providers.workflows import Artifact, WorkflowStatus
from dispatchbot.storage import rendered
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import WorkflowRunRow
from dispatchbot.workflow_runs import WorkflowRun

RUNS = cast(Table, WorkflowRunRow.__table__)
FINISHED = (WorkflowStatus.COMPLETED.value, WorkflowStatus.FAILED.value)


class WorkflowRunRepository(Repository):
    async def insert_if_absent(self, values: Mapping[str, Any]) -> bool:
        """Insert the run unless its key is stored already; True when this call inserted it."""
        return await insert_if_absent(self._session, RUNS, dict(values))

    async def get(self, run_id: int, *, lock: bool = False) -> WorkflowRun | None:
        return await self._one(select(RUNS).where(RUNS.c.id == run_id), lock=lock)

    async def by_key(self, key: str) -> WorkflowRun | None:
        return await self._one(select(RUNS).where(RUNS.c.key == key))

    async def change(self, run_id: int, *, shown: bool = True, **values: Any) -> None:
        """Set `values`; `shown` (the default) when the message shows the change, so its version moves."""
        bump = {"version": RUNS.c.version + 1} if shown else {}
        await self._session.execute(update(RUNS).where(RUNS.c.id == run_id).values(**bump, **values))

    async def due_for_poll(self, now: datetime, limit: int) -> list[WorkflowRun]:
        """Open runs whose next poll is due, the longest waiting first."""
        rows = await self._session.execute(
            select(RUNS)
            .where(
                RUNS.c.next_poll_at <= now,
                RUNS.c.instance_id.is_not(None),
                RUNS.c.status.not_in(FINISHED),
            )
            .order_by(RUNS.c.next_poll_at, RUNS.c.id)
            .limit(limit)
        )
        return [to_run(dict(row._mapping)) for row in rows]

    async def behind(self, limit: int) -> list[WorkflowRun]:
        """Posted runs whose message does not show their latest state."""
        return [to_run(row) for row in await rendered.behind(self._session, RUNS, limit)]

    async def shown(self, run_id: int, version: int) -> None:
        await rendered.shown(self._session, RUNS, run_id, version)

    async def record_message(self, run_id: int, channel_id: str, ts: str) -> None:
        await self._session.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id, RUNS.c.message_ts.is_(None))
            .values(channel_id=channel_id, message_ts=ts)
        )

    async def unreplied(self, limit: int) -> list[WorkflowRun]:
        """Finished runs the provider had accepted whose thread reply is not posted yet, oldest first."""
        rows = await self._session.execute(
            select(RUNS)
            .where(
                RUNS.c.reply_ts.is_(None),
                RUNS.c.status.in_(FINISHED),
                RUNS.c.instance_id.is_not(None),
                RUNS.c.message_ts.is_not(None),
            )
            .order_by(RUNS.c.id)
            .limit(limit)
        )
        return [to_run(dict(row._mapping)) for row in rows]

    async def replied(self, run_id: int, ts: str) -> None:
        await self._session.execute(
            update(RUNS).where(RUNS.c.id == run_id, RUNS.c.reply_ts.is_(None)).values(reply_ts=ts)
        )

    async def for_incident(self, incident_id: int) -> list[WorkflowRun]:
        return await self._newest_first(RUNS.c.incident_id == incident_id)

    async def for_case(self, case_id: int) -> list[WorkflowRun]:
        return await self._newest_first(RUNS.c.case_id == case_id)

    async def _newest_first(self, condition: Any) -> list[WorkflowRun]:
        rows = await self._session.execute(select(RUNS).where(condition).order_by(RUNS.c.id.desc()))
        return [to_run(dict(row._mapping)) for row in rows]

    async def _one(self, query: Any, *, lock: bool = False) -> WorkflowRun | None:
        row = (await self._session.execute(query.with_for_update() if lock else query)).first()
        return to_run(dict(row._mapping)) if row else None


def to_run(row: Mapping[str, Any]) -> WorkflowRun:
    return WorkflowRun(
        id=row["id"],
        key=row["key"],
        workflow=row["workflow"],
        provider=row["provider"],
        resource_id=row["resource_id"],
        params={str(name): str(value) for name, value in row["params"].items()},
        reason=row["reason"],
        requested_by=row["requested_by"],
        incident_id=row["incident_id"],
        case_id=row["case_id"],
        alert_id=row["alert_id"],
        channel_id=row["channel_id"],
        thread_ts=row["thread_ts"],
        message_ts=row["message_ts"],
        status=WorkflowStatus(row["status"]),
        instance_id=row["instance_id"],
        weblink=row["weblink"],
        artifacts=tuple(from_stored(artifact) for artifact in row["artifacts"]),
        error=row["error"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        unknown_since=row["unknown_since"],
        poll_failures=row["poll_failures"],
        next_poll_at=row["next_poll_at"],
        version=row["version"],
        rendered_version=row["rendered_version"],
        signal=row["signal"],
        reply_ts=row["reply_ts"],
    )


def to_stored(artifacts: tuple[Artifact, ...]) -> list[dict[str, str]]:
    return [{"name": a.name, "url": a.url, "description": a.description} for a in artifacts]


def from_stored(stored: Mapping[str, Any]) -> Artifact:
    return Artifact(str(stored["name"]), str(stored["url"]), str(stored.get("description", "")))
