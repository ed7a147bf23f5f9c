"""Use cases: Resolve / Re-open a task (from its card, a task list or an overdue reminder), and keeping
an assignee with open tasks in the incident channel.

Who may change a task is checked on every click: its creator, an assignee, or the incident's active
commander or scribe — and only while the incident is visible to them. The click then starts a durable
run keyed by the click (a redelivery joins it): apply the status and its reminder (resolving cancels
the overdue reminder, reopening arms it again unless it is armed), redraw the task card in the channel,
and redraw the surface the click came from (the list modal or the reminder DM). Redraws render the task
as it is now, so a click on a task that already had that status still repairs a stale card.
"""

from __future__ import annotations

from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, ReminderKind, Task, TaskStatus
from dispatchbot.errors import Forbidden, NotFound, ProviderError
from dispatchbot.flows import access
from dispatchbot.flows.run_models import NoState, RunArgs, RunValue
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.flows.tasks import list_tasks
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import md, mention

log = get_logger(__name__)


async def authorize(deps: Deps, task_id: int, user_id: str) -> tuple[Task, Incident]:
    """The task and its incident if this person may change it; otherwise `Forbidden` saying who may."""
    task = await deps.tasks.get(task_id)
    try:
        incident = await access.visible_incident(deps, task.incident_id, user_id)
    except NotFound:
        raise NotFound("That task does not exist or is not visible to you.") from None
    if list_tasks.involved(task, user_id):
        return task, incident
    participant = await deps.participants.get(incident.id, user_id)
    if participant is None or not participant.active or not participant.manages:
        raise Forbidden(
            md(
                "Only the task's creator, its assignees, or the incident commander ({commander}) or scribe "
                "can change it.",
                commander=mention(incident.commander_id),
            )
        )
    return task, incident


class Surface(RunValue):
    """Where a status click came from: a list modal (`view_id`, and the `scope` it lists) or a message
    (`channel`, `ts`: the card itself, or a reminder DM)."""

    view_id: str | None = None
    scope: str | None = None
    channel: str | None = None
    ts: str | None = None


class TaskStatusArgs(RunArgs):
    task_id: int
    status: TaskStatus
    surface: Surface
    requested_by: str


TaskStatusContext = RunContext[Deps, TaskStatusArgs, NoState]


async def change(
    deps: Deps, key: str, task_id: int, status: TaskStatus, user_id: str, surface: Surface
) -> None:
    """Authorize, then start the run that sets the status and redraws `surface`."""
    await authorize(deps, task_id, user_id)
    args = TaskStatusArgs(task_id=task_id, status=status, surface=surface, requested_by=user_id)
    await deps.runs.start(TASK_STATUS, key=key, args=args)


async def apply(ctx: TaskStatusContext) -> None:
    """Set the status (a no-op when it already is), then make the reminder follow the task."""
    deps, args = ctx.deps, ctx.args
    task, changed = await deps.tasks.set_status(args.task_id, args.status, args.requested_by)
    log.info("tasks.status", task=task.id, status=task.status.value, changed=changed)
    await follow_with_reminder(deps, task)


async def update_comment(ctx: TaskStatusContext) -> None:
    """A task mirrored from a document comment: the comment is resolved or reopened to match. A failure
    is logged — the Slack side stands, and the document sync pushes it again while the change is fresh."""
    provider = ctx.deps.providers.documents
    external_id = await ctx.deps.tasks.external_id(ctx.args.task_id)
    if provider is None or not external_id:
        return
    task = await ctx.deps.tasks.get(ctx.args.task_id)
    file_id, _, comment_id = external_id.rpartition(":")
    try:
        await provider.set_comment_resolved(file_id, comment_id, task.status is TaskStatus.RESOLVED)
    except ProviderError as exc:
        log.warning("tasks.comment_not_updated", task=task.id, error=exc.detail)


async def follow_with_reminder(deps: Deps, task: Task) -> None:
    """Resolved: no more reminders. Open: reminded from its due time, unless a reminder is armed already
    (a repeat must not move a reminder that was re-armed after sending)."""
    subject = str(task.id)
    if task.status is TaskStatus.RESOLVED:
        await deps.reminders.cancel(task.incident_id, [ReminderKind.TASK_OVERDUE], subject)
    elif await deps.reminders.get(ReminderKind.TASK_OVERDUE, task.incident_id, subject) is None:
        await deps.reminders.schedule(
            ReminderKind.TASK_OVERDUE, task.incident_id, subject, task.assignees[0], task.due_at
        )


async def redraw_card(ctx: TaskStatusContext) -> None:
    """The channel's task card shows the status and the button that undoes it."""
    task = await ctx.deps.tasks.get(ctx.args.task_id)
    incident = await ctx.deps.incidents.get(task.incident_id)
    if incident.channel_id is None or task.message_ts is None:
        return
    text, blocks = task_blocks.task_card(task)
    try:
        await ctx.deps.slack.update_message(incident.channel_id, task.message_ts, text, blocks)
    except ProviderError as exc:
        if exc.detail not in ("is_archived", "channel_not_found", "message_not_found"):
            raise
        log.info("tasks.card_not_redrawn", task=task.id, error=exc.detail)


async def redraw_surface(ctx: TaskStatusContext) -> None:
    """The list modal is drawn again; a reminder DM shows the task as it is now."""
    deps, surface = ctx.deps, ctx.args.surface
    if surface.view_id:
        await list_tasks.redraw(deps, surface.view_id, surface.scope or "", ctx.args.requested_by)
        return
    task = await deps.tasks.get(ctx.args.task_id)
    incident = await deps.incidents.get(task.incident_id)
    if surface.channel and surface.channel != incident.channel_id:
        text, blocks = task_blocks.overdue_reminder(task, incident)
        await deps.slack.update_message(surface.channel, surface.ts or "", text, blocks)


TASK_STATUS = Flow.of(
    "task_status",
    "Updating the task",
    TaskStatusArgs,
    NoState,
    steps=(
        Step("apply", apply),
        Step("card", redraw_card),
        Step("surface", redraw_surface),
        Step("comment", update_comment),
    ),
)


async def keep_assignee(deps: Deps, incident: Incident, user_id: str) -> bool:
    """Someone with open tasks left the channel: they are invited back and told to resolve or hand
    over their tasks first (an assignee nobody can reach is how tasks get lost). True when so."""
    if incident.channel_id is None:
        return False
    tasks = await deps.tasks.open_for_assignee(incident.id, user_id)
    if not tasks:
        return False
    await deps.slack.invite(incident.channel_id, [user_id])
    try:
        await deps.slack.post_ephemeral(
            incident.channel_id, user_id, task_blocks.stay_for_tasks(incident, tasks)
        )
    except ProviderError as exc:
        log.info("tasks.stay_notice_failed", user=user_id, error=exc.detail)
    return True
