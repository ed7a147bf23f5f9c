"""Task transactions: created once per submission, resolved and reopened, each change on the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import NewTask, Task, TaskStatus
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import Mrkdwn, md, mention, mentions
from dispatchbot.storage.incidents import TimelineRepository
from dispatchbot.storage.tasks import TaskRepository

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
            key,
            None,
            NewTask(incident_id, creator_id, description, assignees, due_at),
            headline=md("{who} created a task", who=mention(creator_id)),
            actor_id=creator_id,
        )

    async def get(self, task_id: int) -> Task:
        async with self._sessions.begin() as session:
            return _found(await TaskRepository(session).get(task_id))

    async def for_incident(self, incident_id: int) -> list[Task]:
        async with self._sessions.begin() as session:
            return await TaskRepository(session).for_incident(incident_id)

    async def for_user(self, user_id: str) -> list[Task]:
        """Tasks the person created or is assigned to, across incidents (callers filter by visibility)."""
        async with self._sessions.begin() as session:
            return await TaskRepository(session).for_user(user_id)

    async def open_for_assignee(self, incident_id: int, user_id: str) -> list[Task]:
        """The incident's open tasks assigned to this person (what keeps them in the channel)."""
        async with self._sessions.begin() as session:
            return await TaskRepository(session).open_for_assignee(incident_id, user_id)

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
            await TaskRepository(session).set_message(task_id, message_ts)

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
            f"comment:{external_id}",
            external_id,
            NewTask(incident_id, creator_id, description, [assignee], due_at),
            headline=md("A document comment assigned {who} a task", who=mention(assignee)),
            actor_id=None,
            source=DOCUMENT_SOURCE,
        )

    async def by_external_id(self, external_id: str) -> Task | None:
        async with self._sessions.begin() as session:
            return await TaskRepository(session).by_external_id(external_id)

    async def external_id(self, task_id: int) -> str | None:
        """The comment a task mirrors ("<file id>:<comment id>"), or None for a task made in Slack."""
        async with self._sessions.begin() as session:
            return await TaskRepository(session).external_id(task_id)

    async def reassign(self, task_id: int, assignees: list[str]) -> tuple[Task, bool]:
        """Give the task to these people instead (the comment was reassigned); False when nothing changed."""
        now = self._clock.now()
        wanted = list(dict.fromkeys(assignees))
        async with self._sessions.begin() as session:
            tasks = TaskRepository(session)
            task = _found(await tasks.get(task_id, for_update=True))
            changed = list(task.assignees) != wanted
            if changed:
                task = await tasks.replace_assignees(task_id, wanted)
                await TimelineRepository(session).add(
                    task.incident_id,
                    "task_reassigned",
                    md(
                        "A document comment reassigned a task to {who}: {description}",
                        who=mentions(wanted),
                        description=task.description,
                    ),
                    None,
                    now,
                    {"task_id": task.id, "assignees": wanted, "source": DOCUMENT_SOURCE},
                )
            return task, changed

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
        creation_key: str,
        external_id: str | None,
        new: NewTask,
        *,
        headline: Mrkdwn,
        actor_id: str | None,
        source: str | None = None,
    ) -> tuple[Task, bool]:
        """The one creation both Slack and the document sync make, idempotent on `creation_key`; they
        differ only in the keys, who the timeline names, and whether it records where it came from."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            task, created = await TaskRepository(session).add_if_absent(creation_key, external_id, new, now)
            if created:
                details: dict[str, Any] = {"task_id": task.id, "assignees": new.assignees}
                if source is not None:
                    details["source"] = source
                await TimelineRepository(session).add(
                    new.incident_id,
                    "task_created",
                    md("{headline}: {description}", headline=headline, description=new.description),
                    actor_id,
                    now,
                    details,
                    source_key=f"task:{task.id}:created",
                )
            return task, created

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
            tasks = TaskRepository(session)
            task = _found(await tasks.get(task_id, for_update=True))
            changed = task.status is not status
            if changed:
                resolved = status is TaskStatus.RESOLVED
                task = await tasks.set_status(
                    task_id,
                    status,
                    resolved_at=now if resolved else None,
                    resolved_by=actor_id if resolved else None,
                )
                verb = "resolved" if resolved else "reopened"
                details: dict[str, Any] = {"task_id": task.id}
                if source is not None:
                    details["source"] = source
                await TimelineRepository(session).add(
                    task.incident_id,
                    f"task_{verb}",
                    md("{headline}: {description}", headline=headline(verb), description=task.description),
                    actor_id,
                    now,
                    details,
                )
            return task, changed

    async def status_changed_in_slack_at(self, task_id: int) -> datetime | None:
        """When someone last resolved or reopened the task in Slack (not the document sync), if ever:
        the sync uses it to tell a fresh Slack change (to push) from a fresh document change (to pull)."""
        async with self._sessions.begin() as session:
            tasks = TaskRepository(session)
            task = await tasks.get(task_id)
            if task is None:
                return None
            events = await tasks.events(task, ["task_resolved", "task_reopened"])
            moments = [
                occurred_at for occurred_at, details in events if details.get("source") != DOCUMENT_SOURCE
            ]
            return max(moments, default=None)


def _found(task: Task | None) -> Task:
    if task is None:
        raise NotFound("That task does not exist.")
    return task
