"""Incident tasks in Slack: `/dispatch-create-task` and its modal, the two list commands, the Resolve /
Re-open buttons (on task cards, in the list modals and in reminder DMs).

Every entry point checks who is asking before the ack; refusals reach the person through the global
error handler. Modals open, and clicks take effect, after the ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import TaskStatus
from dispatchbot.errors import NotFound
from dispatchbot.flows.tasks import create_task, list_tasks, task_status
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    commands = deps.settings.commands

    @router.command(commands.name(Command.CREATE_TASK))
    async def on_create_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await create_task.incident_for_command(deps, body["channel_id"], user)
        await ack()
        deps.background.spawn(
            create_task.open_form(deps, body["trigger_id"], incident, user), name="open-task-form"
        )

    @router.view(CallbackId.CREATE_TASK)
    async def on_create_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        incident_id, tz = task_blocks.read_form_context(view["private_metadata"])
        form = task_blocks.read_task_form(view["state"]["values"], tz)  # InvalidForm → inline errors
        await create_task.submit(deps, view["id"], incident_id, form, body["user"]["id"])
        await ack()

    @router.command(commands.name(Command.LIST_TASKS))
    async def on_list_tasks(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await list_tasks.incident_for_command(deps, body["channel_id"], user)
        await ack()
        scope = list_tasks.incident_scope(incident.id)
        deps.background.spawn(list_tasks.open_list(deps, body["trigger_id"], scope, user), name="list-tasks")

    @router.command(commands.name(Command.LIST_MY_TASKS))
    async def on_list_my_tasks(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.background.spawn(
            list_tasks.open_list(deps, body["trigger_id"], task_blocks.MINE, body["user_id"]),
            name="list-my-tasks",
        )

    @router.action(ActionId.RESOLVE_TASK)
    @router.action(ActionId.REOPEN_TASK)
    async def on_status_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body["user"]["id"]
        status = TaskStatus.RESOLVED if action["action_id"] == ActionId.RESOLVE_TASK else TaskStatus.OPEN
        key = f"click:{user}:{action.get('action_ts') or body.get('trigger_id')}"
        await task_status.change(deps, key, _task_id(action), status, user, _surface(body))
        await ack()


def _task_id(action: dict[str, Any]) -> int:
    """The button's task id; a tampered value gets the same answer as an invisible task."""
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise NotFound("That task does not exist or is not visible to you.") from None


def _surface(body: dict[str, Any]) -> task_status.Surface:
    """Where the click came from, so the run can redraw it: a modal (with what it lists) or a message."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        scope = (body.get("view") or {}).get("private_metadata")
        return task_status.Surface(view_id=container.get("view_id"), scope=scope)
    return task_status.Surface(channel=container.get("channel_id"), ts=container.get("message_ts"))
