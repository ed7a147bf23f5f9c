"""Use case: a commander or scribe creates a task (`/dispatch-create-task`).

The command and the submission are authorized before the ack; a durable run keyed by the submitted
view then does the rest, each step recording what it did so a resumed run neither doubles nor skips:
create the task (once per key, with its timeline event), arm its overdue reminder, make the assignees
participants, invite those not in the channel, post the task card, and tell the invited why they are
there. People become participants before they are invited, so their join is not mistaken for an
Observer walking in.
"""

from __future__ import annotations

from datetime import datetime

from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.blocks.tasks.tasks import TaskForm
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, ReminderKind, Role, Task
from dispatchbot.errors import InvalidForm, ProviderError
from dispatchbot.flows import access, forms, posting
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.ids import BlockId
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn

log = get_logger(__name__)

ACTION = "create tasks"


class CreateTaskArgs(IncidentArgs):
    """The submitted task; `requested_by` is its creator."""

    assignees: tuple[str, ...]
    description: str
    due_at: datetime
    requested_by: str


class TaskState(PostingState):
    """Recorded by task runs (this one, and a document comment's, which shares its later steps)."""

    task_id: int | None = None
    invited: tuple[str, ...] | None = None
    """The assignees the invite step brought into the channel (None until it looked)."""

    @property
    def task(self) -> int:
        """The task's id, for the steps after the create step (which always records it first)."""
        assert self.task_id is not None
        return self.task_id


TaskContext = RunContext[Deps, IncidentArgs, TaskState]


async def incident_for_command(deps: Deps, channel_id: str, user_id: str) -> Incident:
    """This channel's incident, if the caller is its active commander or scribe."""
    return await access.managed_incident_in_channel(deps, channel_id, user_id, Command.CREATE_TASK, ACTION)


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    """Open the form with the default due time in the person's Slack time zone (UTC if unknown)."""
    try:
        tz = (await deps.slack.user(user_id)).tz
    except ProviderError:
        tz = "UTC"
    view = task_blocks.create_task_modal(
        incident, tz, deps.clock.now(), deps.settings.tasks.default_due_hours
    )
    await forms.show(deps, trigger_id, view, user_id)


async def submit(deps: Deps, view_id: str, incident_id: int, form: TaskForm, user_id: str) -> None:
    """Check again (the role may have moved while the form was open), then start the run; a repeated
    submission of the same view joins the first run and so creates no second task."""
    incident = await deps.incidents.get(incident_id)
    await access.require_manager(deps, incident, user_id, ACTION)
    if deps.identity.user_id in form.assignees:
        raise InvalidForm({BlockId.ASSIGNEES: "I cannot do tasks myself; choose people."})
    args = CreateTaskArgs(
        incident_id=incident_id,
        assignees=tuple(form.assignees),
        description=form.description,
        due_at=form.due_at,
        requested_by=user_id,
    )
    await deps.runs.start(CREATE_TASK, key=f"view:{view_id}", args=args)


async def create(ctx: RunContext[Deps, CreateTaskArgs, TaskState]) -> None:
    """The task, once per run key (the service ignores a repeat), with its timeline event."""
    if ctx.state.task_id:
        return
    args = ctx.args
    task, _created = await ctx.deps.tasks.create(
        ctx.key, args.incident_id, args.requested_by, args.description, list(args.assignees), args.due_at
    )
    await ctx.record(task_id=task.id)


async def arm_reminder(ctx: TaskContext) -> None:
    """Overdue reminders start at the due time, whatever happens in Slack after this."""
    task = await _task(ctx)
    await ctx.deps.reminders.schedule(
        ReminderKind.TASK_OVERDUE, task.incident_id, str(task.id), task.assignees[0], task.due_at
    )


async def add_participants(ctx: TaskContext) -> None:
    """Assignees who are not in the incident yet join it as Participants (those already in keep their
    roles; the service makes a repeat a no-op)."""
    task = await _task(ctx)
    for user_id in task.assignees:
        await ctx.deps.participants.add(
            task.incident_id,
            user_id,
            Role.PARTICIPANT,
            added_by=task.creator_id,
            reason=Mrkdwn("Assigned a task"),
        )


async def invite(ctx: TaskContext) -> None:
    """Bring assignees who are not in the channel into it; who that was is recorded first, so a resumed
    run still tells them why they were added."""
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    if incident.channel_id is None:
        return
    if ctx.state.invited is None:
        members = set(await ctx.deps.slack.members(incident.channel_id))
        task = await _task(ctx)
        await ctx.record(invited=tuple(user for user in task.assignees if user not in members))
    await ctx.deps.slack.invite(incident.channel_id, list(ctx.state.invited or ()))


async def post(ctx: TaskContext) -> None:
    """Post the task card and remember its ts (status changes redraw it). A run resumed after a crash
    in mid-post looks for the card before posting again."""
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    task = await _task(ctx)
    if incident.channel_id is None:
        return
    card = task_blocks.task_card(task)
    ts = await posting.post_once(
        ctx, "card", incident.channel_id, card, marker=task_blocks.card_marker(task.id)
    )
    if ts is not None and task.message_ts is None:
        await ctx.deps.tasks.set_message(task.id, ts)


async def tell_invited(ctx: RunContext[Deps, CreateTaskArgs, TaskState]) -> None:
    """Whoever was pulled into the channel hears why, where they now are. A courtesy: one that cannot
    be shown (they left again already) is logged, not retried."""
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    if incident.channel_id is None:
        return
    text = task_blocks.added_for_task(incident, ctx.args.requested_by, ctx.args.description)
    for user_id in ctx.state.invited or ():
        try:
            await ctx.deps.slack.post_ephemeral(incident.channel_id, user_id, text)
        except ProviderError as exc:
            log.info("tasks.added_notice_failed", user=user_id, error=exc.detail)


CREATE_TASK = Flow.of(
    "create_task",
    "Creating the task",
    CreateTaskArgs,
    TaskState,
    steps=(
        Step("create", create),
        Step("remind", arm_reminder),
        Step("participants", add_participants),
        Step("invite", invite),
        Step("post", post),
        Step("tell_invited", tell_invited),
    ),
)


async def _task(ctx: TaskContext) -> Task:
    return await ctx.deps.tasks.get(ctx.state.task)
