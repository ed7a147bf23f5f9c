"""Use cases: `/dispatch-list-tasks` (this incident's tasks) and `/dispatch-list-my-tasks` (the tasks a
person created or is assigned to, in every incident they may still see).

Both open a modal rather than an ephemeral message: its Resolve / Re-open buttons redraw it in place
(`views.update`), and the same builder serves the redraw, so what a click shows is the list as it is
now. A button is shown only to those who may use it; the click is authorized again regardless.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import notice_modal
from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Task
from dispatchbot.errors import NotFound, ProviderError
from dispatchbot.flows import access, forms
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, md

log = get_logger(__name__)

INCIDENT_SCOPE = "incident:"


async def incident_for_command(deps: Deps, channel_id: str, user_id: str) -> Incident:
    command = deps.settings.commands.name(Command.LIST_TASKS)
    incident = await access.incident_in_channel(deps, channel_id, command)
    return await access.visible_incident(deps, incident.id, user_id)


def incident_scope(incident_id: int) -> str:
    return f"{INCIDENT_SCOPE}{incident_id}"


async def open_list(deps: Deps, trigger_id: str, scope: str, user_id: str) -> None:
    await forms.show(deps, trigger_id, await list_view(deps, scope, user_id), user_id)


async def redraw(deps: Deps, view_id: str, scope: str, user_id: str) -> None:
    """Show the list as it is now in the open modal; one closed meanwhile is nothing to redraw."""
    try:
        await deps.slack.update_view(view_id, await list_view(deps, scope, user_id))
    except ProviderError as exc:
        log.info("tasks.list_not_redrawn", error=exc.detail)


async def list_view(deps: Deps, scope: str, user_id: str) -> dict[str, Any]:
    if scope == task_blocks.MINE:
        return await _my_tasks(deps, user_id)
    try:
        incident = await access.visible_incident(deps, int(scope.removeprefix(INCIDENT_SCOPE)), user_id)
    except (NotFound, ValueError):
        return notice_modal(
            "Incident Tasks", Mrkdwn("That incident does not exist or is not visible to you.")
        )
    return await _incident_tasks(deps, incident, user_id)


async def _incident_tasks(deps: Deps, incident: Incident, user_id: str) -> dict[str, Any]:
    tasks = await deps.tasks.for_incident(incident.id)
    participant = await deps.participants.get(incident.id, user_id)
    manages = participant is not None and participant.active and participant.manages
    command = deps.settings.commands.name(Command.CREATE_TASK)
    return task_blocks.tasks_modal(
        f"{incident.reference} Tasks",
        md(
            "Tasks of *{reference}*: {title}. The commander or scribe creates them with `{command}`.",
            reference=incident.reference,
            title=incident.title,
            command=command,
        ),
        tasks,
        changeable={task.id for task in tasks if manages or involved(task, user_id)},
        scope=incident_scope(incident.id),
    )


async def _my_tasks(deps: Deps, user_id: str) -> dict[str, Any]:
    """Tasks the person created or is assigned to; those of restricted incidents they are no longer an
    active participant of are left out, as the incidents themselves are."""
    tasks = await deps.tasks.for_user(user_id)
    incidents = await deps.incidents.many({task.incident_id for task in tasks})
    restricted = [incident.id for incident in incidents.values() if incident.restricted]
    member_of = await deps.incidents.roles_of(user_id, restricted) if restricted else {}
    visible = {i for i, incident in incidents.items() if not incident.restricted or i in member_of}
    shown = [task for task in tasks if task.incident_id in visible]
    return task_blocks.tasks_modal(
        "My Tasks",
        Mrkdwn("Tasks you created or are assigned to, in every incident you can see."),
        shown,
        changeable={task.id for task in shown},
        references={i: incidents[i].reference for i in visible},
        scope=task_blocks.MINE,
    )


def involved(task: Task, user_id: str) -> bool:
    """The creator and the assignees may resolve and reopen their own tasks."""
    return user_id == task.creator_id or user_id in task.assignees
