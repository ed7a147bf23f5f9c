"""Tasks and their assignees, read as domain tasks with the assignees fetched in one query per list.
Flush, never commit: services own transactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, delete, or_, select

from dispatchbot.domain import NewTask, Task, TaskStatus
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import TaskAssigneeRow, TaskRow, TimelineEventRow


class TaskRepository(Repository):
    async def add_if_absent(
        self, creation_key: str, external_id: str | None, new: NewTask, now: datetime
    ) -> tuple[Task, bool]:
        """The task of `creation_key` (mirroring comment `external_id`, if any), inserted with its
        assignees unless a retry already did; True when inserted here."""
        values = {
            "creation_key": creation_key,
            "external_id": external_id,
            "incident_id": new.incident_id,
            "creator_id": new.creator_id,
            "description": new.description,
            "status": TaskStatus.OPEN.value,
            "due_at": new.due_at,
            "created_at": now,
        }
        created = await insert_if_absent(self._session, TaskRow.__table__, values)
        row = await self._session.scalar(select(TaskRow).where(TaskRow.creation_key == creation_key))
        assert row is not None  # inserted just above, or by the earlier attempt
        if created:
            self._assign(row.id, new.assignees)
            await self._session.flush()
        return (await self._tasks([row]))[0], created

    async def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        """The task; `for_update` locks it (PostgreSQL) for a read-then-write."""
        row = await self._session.get(TaskRow, task_id, with_for_update=for_update)
        return (await self._tasks([row]))[0] if row is not None else None

    async def for_incident(self, incident_id: int) -> list[Task]:
        rows = await self._session.scalars(
            select(TaskRow).where(TaskRow.incident_id == incident_id).order_by(TaskRow.id)
        )
        return await self._tasks(list(rows))

    async def for_user(self, user_id: str) -> list[Task]:
        """Tasks the person created or is assigned to, across incidents."""
        rows = await self._session.scalars(
            select(TaskRow)
            .where(or_(TaskRow.creator_id == user_id, TaskRow.id.in_(_assigned_to(user_id))))
            .order_by(TaskRow.id)
        )
        return await self._tasks(list(rows))

    async def open_for_assignee(self, incident_id: int, user_id: str) -> list[Task]:
        rows = await self._session.scalars(
            select(TaskRow)
            .where(
                TaskRow.incident_id == incident_id,
                TaskRow.status == TaskStatus.OPEN.value,
                TaskRow.id.in_(_assigned_to(user_id)),
            )
            .order_by(TaskRow.id)
        )
        return await self._tasks(list(rows))

    async def by_external_id(self, external_id: str) -> Task | None:
        row = await self._session.scalar(select(TaskRow).where(TaskRow.external_id == external_id))
        return (await self._tasks([row]))[0] if row is not None else None

    async def external_id(self, task_id: int) -> str | None:
        """The document comment the task mirrors, or None (also when there is no such task)."""
        return await self._session.scalar(select(TaskRow.external_id).where(TaskRow.id == task_id))

    async def set_message(self, task_id: int, message_ts: str) -> None:
        """Remember the Slack message showing the task (nothing when the task is gone)."""
        row = await self._session.get(TaskRow, task_id, with_for_update=True)
        if row is not None:
            row.message_ts = message_ts
            await self._session.flush()

    async def set_status(
        self, task_id: int, status: TaskStatus, *, resolved_at: datetime | None, resolved_by: str | None
    ) -> Task:
        row = await self._stored(task_id)
        row.status = status.value
        row.resolved_at, row.resolved_by = resolved_at, resolved_by
        await self._session.flush()
        return (await self._tasks([row]))[0]

    async def replace_assignees(self, task_id: int, assignees: list[str]) -> Task:
        """Give the task to exactly these people, in this order."""
        row = await self._stored(task_id)
        await self._session.execute(delete(TaskAssigneeRow).where(TaskAssigneeRow.task_id == task_id))
        self._assign(task_id, assignees)
        await self._session.flush()
        return (await self._tasks([row]))[0]

    async def events(self, task: Task, kinds: list[str]) -> list[tuple[datetime, dict[str, Any]]]:
        """(when, details) of the task's events of these kinds on its incident's timeline."""
        events = await self._session.execute(
            select(TimelineEventRow.occurred_at, TimelineEventRow.details).where(
                TimelineEventRow.incident_id == task.incident_id, TimelineEventRow.kind.in_(kinds)
            )
        )
        return [
            (occurred_at, details)
            for occurred_at, details in events.all()
            if details.get("task_id") == task.id
        ]

    async def _stored(self, task_id: int) -> TaskRow:
        """The row of a task the caller just read in this transaction."""
        row = await self._session.get(TaskRow, task_id)
        assert row is not None
        return row

    def _assign(self, task_id: int, assignees: list[str]) -> None:
        for user_id in dict.fromkeys(assignees):
            self._session.add(TaskAssigneeRow(task_id=task_id, user_id=user_id))

    async def _tasks(self, rows: list[TaskRow]) -> list[Task]:
        """Domain tasks with their assignees, fetched in one query for the whole list."""
        ids = [row.id for row in rows]
        assignees: dict[int, list[str]] = {task_id: [] for task_id in ids}
        if ids:
            result = await self._session.execute(
                select(TaskAssigneeRow.task_id, TaskAssigneeRow.user_id)
                .where(TaskAssigneeRow.task_id.in_(ids))
                .order_by(TaskAssigneeRow.id)
            )
            for task_id, user_id in result.all():
                assignees[task_id].append(user_id)
        return [_to_domain(row, tuple(assignees[row.id])) for row in rows]


def _assigned_to(user_id: str) -> ScalarSelect[int]:
    return select(TaskAssigneeRow.task_id).where(TaskAssigneeRow.user_id == user_id).scalar_subquery()


def _to_domain(row: TaskRow, assignees: tuple[str, ...]) -> Task:
    return Task(
        id=row.id,
        incident_id=row.incident_id,
        creator_id=row.creator_id,
        description=row.description,
        assignees=assignees,
        status=TaskStatus(row.status),
        due_at=row.due_at,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        message_ts=row.message_ts,
    )
