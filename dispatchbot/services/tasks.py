"""Task transactions: created once per submission, resolved and reopened, each change on the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import Task, TaskStatus
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import Mrkdwn, md, mention, mentions
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.inserts import insert_if_absent
from dispatchbot.storage.tables import TaskAssigneeRow, TaskRow, TimelineEventRow

DOCUMENT_SOURCE = "document"
"""Timeline details `source` of task changes that came from a document comment, not from Slack."""


class TaskService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self,
        key: str,
        incident_id: int,
        creator_id: str,
        description: str,
        assignees: list[str],
        due_at: datetime,
    ) -> tuple[Task, bool]:
        """The task for submission `key`, created with its assignees and timeline event unless it was."""
        return await self._create(
            {"creation_key": key},
            incident_id,
            creator_id,
            description,
            assignees,
            due_at,
            headline=md("{who} created a task", who=mention(creator_id)),
            actor_id=creator_id,
        )

    async def get(self, task_id: int) -> Task:
        async with self._sessions.begin() as session:
            row = await session.get(TaskRow, task_id)
            if row is None:
                raise NotFound("That task does not exist.")
            return (await _with_assignees(session, [row]))[0]

    async def for_incident(self, incident_id: int) -> list[Task]:
        async with self._sessions.begin() as session:
            rows = await session.scalars(
                select(TaskRow).where(TaskRow.incident_id == incident_id).order_by(TaskRow.id)
            )
            return await _with_assignees(session, list(rows))

    async def for_user(self, user_id: str) -> list[Task]:
        """Tasks the person created or is assigned to, across incidents (callers filter by visibility)."""
        async with self._sessions.begin() as session:
            assigned = (
                select(TaskAssigneeRow.task_id).where(TaskAssigneeRow.user_id == user_id).scalar_subquery()
            )
            rows = await session.scalars(
                select(TaskRow)
                .where(or_(TaskRow.creator_id == user_id, TaskRow.id.in_(assigned)))
                .order_by(TaskRow.id)
            )
            return await _with_assignees(session, list(rows))

    async def open_for_assignee(self, incident_id: int, user_id: str) -> list[Task]:
        """The incident's open tasks assigned to this person (what keeps them in the channel)."""
        async with self._sessions.begin() as session:
            assigned = (
                select(TaskAssigneeRow.task_id).where(TaskAssigneeRow.user_id == user_id).scalar_subquery()
            )
            rows = await session.scalars(
                select(TaskRow)
                .where(
                    TaskRow.incident_id == incident_id,
                    TaskRow.status == TaskStatus.OPEN.value,
                    TaskRow.id.in_(assigned),
                )
                .order_by(TaskRow.id)
            )
            return await _with_assignees(session, list(rows))

    async def set_status(self, task_id: int, status: TaskStatus, actor_id: str) -> tuple[Task, bool]:
        """Resolve or reopen; False when it already had that status (a second click changes nothing)."""
        return await self._change_status(
            task_id,
            status,
            actor_id,
            lambda verb: md("{who} {verb} a task", who=mention(actor_id), verb=verb),
        )

    async def set_message(self, task_id: int, message_ts: str) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(TaskRow, task_id, with_for_update=True)
            if row is not None:
                row.message_ts = message_ts

    # ------------------------------------------------------------ tasks mirrored from document comments

    async def create_from_comment(
        self,
        external_id: str,
        incident_id: int,
        creator_id: str,
        description: str,
        assignee: str,
        due_at: datetime,
    ) -> tuple[Task, bool]:
        """The task for a document comment ("<file id>:<comment id>"), created once whoever asks twice."""
        return await self._create(
            {"creation_key": f"comment:{external_id}", "external_id": external_id},
            incident_id,
            creator_id,
            description,
            [assignee],
            due_at,
            headline=md("A document comment assigned {who} a task", who=mention(assignee)),
            actor_id=None,
            source=DOCUMENT_SOURCE,
        )

    async def by_external_id(self, external_id: str) -> Task | None:
        async with self._sessions.begin() as session:
            row = await session.scalar(select(TaskRow).where(TaskRow.external_id == external_id))
            return (await _with_assignees(session, [row]))[0] if row is not None else None

    async def external_id(self, task_id: int) -> str | None:
        """The comment a task mirrors ("<file id>:<comment id>"), or None for a task made in Slack."""
        async with self._sessions.begin() as session:
            return await session.scalar(select(TaskRow.external_id).where(TaskRow.id == task_id))

    async def reassign(self, task_id: int, assignees: list[str]) -> tuple[Task, bool]:
        """Give the task to these people instead (the comment was reassigned); False when nothing changed."""
        now = self._clock.now()
        wanted = list(dict.fromkeys(assignees))
        async with self._sessions.begin() as session:
            row = await session.get(TaskRow, task_id, with_for_update=True)
            if row is None:
                raise NotFound("That task does not exist.")
            current = (await _with_assignees(session, [row]))[0].assignees
            changed = list(current) != wanted
            if changed:
                await session.execute(delete(TaskAssigneeRow).where(TaskAssigneeRow.task_id == task_id))
                for user_id in wanted:
                    session.add(TaskAssigneeRow(task_id=task_id, user_id=user_id))
                await session.flush()
                await TimelineRepository(session).add(
                    row.incident_id,
                    "task_reassigned",
                    md(
                        "A document comment reassigned a task to {who}: {description}",
                        who=mentions(wanted),
                        description=row.description,
                    ),
                    None,
                    now,
                    {"task_id": row.id, "assignees": wanted, "source": DOCUMENT_SOURCE},
                )
            return (await _with_assignees(session, [row]))[0], changed

    async def set_status_from_document(self, task_id: int, status: TaskStatus) -> tuple[Task, bool]:
        """Resolve or reopen because the comment was; nobody in Slack did it, so nobody is named."""
        return await self._change_status(
            task_id,
            status,
            None,
            lambda verb: md("A task was {verb} in the document", verb=verb),
            source=DOCUMENT_SOURCE,
        )

    async def _create(
        self,
        keys: dict[str, str],
        incident_id: int,
        creator_id: str,
        description: str,
        assignees: list[str],
        due_at: datetime,
        *,
        headline: Mrkdwn,
        actor_id: str | None,
        source: str | None = None,
    ) -> tuple[Task, bool]:
        """The one creation both Slack and the document sync make, idempotent on `keys["creation_key"]`;
        they differ only in the keys, who the timeline names, and whether it records where it came from."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            values: dict[str, Any] = keys | {
                "incident_id": incident_id,
                "creator_id": creator_id,
                "description": description,
                "status": TaskStatus.OPEN.value,
                "due_at": due_at,
                "created_at": now,
            }
            created = await insert_if_absent(session, TaskRow.__table__, values)  # type: ignore[arg-type]
            row = await session.scalar(select(TaskRow).where(TaskRow.creation_key == keys["creation_key"]))
            assert row is not None
            if created:
                for user_id in dict.fromkeys(assignees):
                    session.add(TaskAssigneeRow(task_id=row.id, user_id=user_id))
                await session.flush()
                details: dict[str, Any] = {"task_id": row.id, "assignees": assignees}
                if source is not None:
                    details["source"] = source
                await TimelineRepository(session).add(
                    incident_id,
                    "task_created",
                    md("{headline}: {description}", headline=headline, description=description),
                    actor_id,
                    now,
                    details,
                    source_key=f"task:{row.id}:created",
                )
            return (await _with_assignees(session, [row]))[0], created

    async def _change_status(
        self,
        task_id: int,
        status: TaskStatus,
        actor_id: str | None,
        headline: Callable[[str], Mrkdwn],
        *,
        source: str | None = None,
    ) -> tuple[Task, bool]:
        """The one status change both Slack and the document sync make; they differ only in who is named
        on the timeline (`headline` of the verb) and whether the event records where it came from."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(TaskRow, task_id, with_for_update=True)
            if row is None:
                raise NotFound("That task does not exist.")
            changed = row.status != status.value
            if changed:
                row.status = status.value
                row.resolved_at, row.resolved_by = (
                    (now, actor_id) if status is TaskStatus.RESOLVED else (None, None)
                )
                verb = "resolved" if status is TaskStatus.RESOLVED else "reopened"
                details: dict[str, Any] = {"task_id": row.id}
                if source is not None:
                    details["source"] = source
                await TimelineRepository(session).add(
                    row.incident_id,
                    f"task_{verb}",
                    md("{headline}: {description}", headline=headline(verb), description=row.description),
                    actor_id,
                    now,
                    details,
                )
            return (await _with_assignees(session, [row]))[0], changed

    async def status_changed_in_slack_at(self, task_id: int) -> datetime | None:
        """When someone last resolved or reopened the task in Slack (not the document sync), if ever:
        the sync uses it to tell a fresh Slack change (to push) from a fresh document change (to pull)."""
        async with self._sessions.begin() as session:
            row = await session.get(TaskRow, task_id)
            if row is None:
                return None
            events = await session.execute(
                select(TimelineEventRow.occurred_at, TimelineEventRow.details).where(
                    TimelineEventRow.incident_id == row.incident_id,
                    TimelineEventRow.kind.in_(["task_resolved", "task_reopened"]),
                )
            )
            moments = [
                occurred_at
                for occurred_at, details in events.all()
                if details.get("task_id") == task_id and details.get("source") != DOCUMENT_SOURCE
            ]
            return max(moments, default=None)


async def _with_assignees(session: AsyncSession, rows: list[TaskRow]) -> list[Task]:
    """Domain tasks with their assignees, fetched in one query for the whole list."""
    ids = [row.id for row in rows]
    assignees: dict[int, list[str]] = {task_id: [] for task_id in ids}
    if ids:
        result = await session.execute(
            select(TaskAssigneeRow.task_id, TaskAssigneeRow.user_id)
            .where(TaskAssigneeRow.task_id.in_(ids))
            .order_by(TaskAssigneeRow.id)
        )
        for task_id, user_id in result.all():
            assignees[task_id].append(user_id)
    return [
        Task(
            id=row.id,
            incident_id=row.incident_id,
            creator_id=row.creator_id,
            description=row.description,
            assignees=tuple(assignees[row.id]),
            status=TaskStatus(row.status),
            due_at=row.due_at,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
            message_ts=row.message_ts,
        )
        for row in rows
    ]
