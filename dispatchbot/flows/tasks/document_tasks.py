"""Use case: comments assigned in incident documents become incident tasks, and back.

A scheduler tick (leader only, every `google.task_sync_seconds`) goes over the active and stable
incidents that have ready documents. First, people who joined since the last tick are given access to
the incident's documents (one share per document for all newcomers). Then, for the incident and review
documents, it asks for the comments with an assignee whose assignment or state changed since the last
sync — with a ten-minute lookback, because the provider's activity log lags — and:

- a new comment becomes a task through a durable run keyed by the comment (created once, with its
  reminder, the assignee brought into the incident and the channel, the task card, and a DM);
- a reassigned comment moves the task to the new assignee, who is brought in and told;
- a comment resolved or reopened in the document resolves or reopens the task — unless the task was
  changed in Slack since the last sync: then Slack's change is pushed to the comment instead (the
  task's own run pushes it at once; this retries a push that failed there).

One document the provider cannot read is logged and skipped. A document whose comments could not all
be applied is not marked synced, so the next tick sees them again; applying is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from dispatchbot.blocks.incidents import documents as document_blocks
from dispatchbot.blocks.tasks import tasks as task_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Document, DocumentKind, Incident, Role, Task, TaskStatus
from dispatchbot.errors import ProviderError
from dispatchbot.flows.incidents.incident_documents import participant_emails
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.flows.tasks import create_task, task_status
from dispatchbot.flows.tasks.create_task import TaskState
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn
from dispatchbot.providers.documents import AssignedComment, Documents
from dispatchbot.services.documents import SyncTarget

log = get_logger(__name__)

LOOKBACK = timedelta(minutes=10)
SYNCED_KINDS = frozenset({DocumentKind.INCIDENT.value, DocumentKind.REVIEW.value})
ADDED_REASON = Mrkdwn("Assigned a task in a document")


async def sync(deps: Deps, now: datetime) -> None:
    """Scheduler tick for active and stable incidents."""
    provider = deps.providers.documents
    if provider is None:
        return
    targets = await deps.documents.sync_targets()
    by_incident: dict[int, list[SyncTarget]] = defaultdict(list)
    for target in targets:
        by_incident[target.document.incident_id].append(target)
    incidents = await deps.incidents.many(set(by_incident))
    for incident_id, found in by_incident.items():
        incident = incidents.get(incident_id)
        if incident is None:
            continue
        await share_with_newcomers(deps, provider, incident, [target.document for target in found])
        for target in found:
            if target.document.kind in SYNCED_KINDS and target.document.external_id:
                await _sync_document(deps, provider, incident, target, now)


async def share_with_newcomers(
    deps: Deps, provider: Documents, incident: Incident, documents: list[Document]
) -> None:
    """Active participants not shared with yet get access to every ready resource; remembered only once
    every share went through, so a failure is simply tried again next tick."""
    newcomers = await participant_emails(deps, incident) - await deps.documents.shared_emails(incident.id)
    if not newcomers:
        return
    try:
        for document in documents:
            if document.external_id:
                await provider.share(document.external_id, sorted(newcomers))
    except ProviderError as exc:
        log.warning("documents.share_failed", incident=incident.reference, error=exc.detail)
        return
    await deps.documents.add_shares(incident.id, newcomers)


async def _sync_document(
    deps: Deps, provider: Documents, incident: Incident, target: SyncTarget, now: datetime
) -> None:
    document = target.document
    assert document.external_id is not None
    since = target.synced_at - LOOKBACK if target.synced_at is not None else target.made_at
    try:
        comments = await provider.assigned_comments(document.external_id, since)
    except ProviderError as exc:
        log.warning(
            "documents.comments_unreadable", incident=incident.reference, kind=document.kind, error=exc.detail
        )
        return
    settled = True
    for comment in comments:
        try:
            settled = await _apply(deps, provider, incident, target, comment) and settled
        except ProviderError as exc:
            log.warning("documents.comment_not_applied", comment=comment.id, error=exc.detail)
            settled = False
    if settled:
        await deps.documents.mark_synced(incident.id, document.kind, now)


async def _apply(
    deps: Deps, provider: Documents, incident: Incident, target: SyncTarget, comment: AssignedComment
) -> bool:
    """Bring the comment's task in line with the comment (or the comment with the task); True when done."""
    file_id = str(target.document.external_id)
    external_id = f"{file_id}:{comment.id}"
    task = await deps.tasks.by_external_id(external_id)
    assignee = await deps.slack.user_id_for(comment.assignee_email)
    if assignee is None:
        log.info("documents.assignee_unknown", comment=comment.id, email=comment.assignee_email)
    if task is None:
        if not comment.resolved and assignee is not None:
            await _start_task(deps, incident, target.document, comment, external_id, assignee)
        return True
    if assignee is not None and task.assignees != (assignee,):
        task, changed = await deps.tasks.reassign(task.id, [assignee])
        if changed:
            await _bring_in(deps, incident, task, assignee, target.document)
            await _redraw(deps, incident, task)
    wanted = TaskStatus.RESOLVED if comment.resolved else TaskStatus.OPEN
    if task.status is wanted:
        return True
    changed_in_slack = await deps.tasks.status_changed_in_slack_at(task.id)
    if changed_in_slack is not None and (target.synced_at is None or changed_in_slack > target.synced_at):
        try:
            await provider.set_comment_resolved(file_id, comment.id, task.status is TaskStatus.RESOLVED)
        except ProviderError as exc:
            log.warning("documents.comment_not_updated", comment=comment.id, error=exc.detail)
            return False
        return True
    task, changed = await deps.tasks.set_status_from_document(task.id, wanted)
    if changed:
        await task_status.follow_with_reminder(deps, task)
        await _redraw(deps, incident, task)
    return True


async def _start_task(
    deps: Deps,
    incident: Incident,
    document: Document,
    comment: AssignedComment,
    external_id: str,
    assignee: str,
) -> None:
    """A durable run per comment: a repeat (the lookback shows a comment again) joins the first."""
    due_at = deps.clock.now() + timedelta(hours=deps.settings.tasks.default_due_hours)
    args = CommentTaskArgs(
        incident_id=incident.id,
        external_id=external_id,
        kind=document.kind,
        description=document_blocks.comment_description(comment.content),
        assignee=assignee,
        due_at=due_at,
        requested_by=incident.commander_id,
    )
    await deps.runs.start(COMMENT_TASK, key=f"comment:{external_id}", args=args)


async def _bring_in(deps: Deps, incident: Incident, task: Task, assignee: str, document: Document) -> None:
    """A new assignee joins the incident and the channel and hears about the task; Slack refusing the
    invite or the DM is logged (the task is theirs either way)."""
    await deps.participants.add(
        incident.id, assignee, Role.PARTICIPANT, added_by=incident.commander_id, reason=ADDED_REASON
    )
    try:
        if incident.channel_id is not None:
            await deps.slack.invite(incident.channel_id, [assignee])
        await deps.slack.post_message(
            assignee, document_blocks.comment_task_assigned(incident, task, document)
        )
    except ProviderError as exc:
        log.info("documents.assignee_not_told", task=task.id, user=assignee, error=exc.detail)


async def _redraw(deps: Deps, incident: Incident, task: Task) -> None:
    """The task card in the channel shows the task as it is now."""
    if incident.channel_id is None or task.message_ts is None:
        return
    text, blocks = task_blocks.task_card(task)
    try:
        await deps.slack.update_message(incident.channel_id, task.message_ts, text, blocks)
    except ProviderError as exc:
        log.info("documents.card_not_redrawn", task=task.id, error=exc.detail)


# ------------------------------------------------------------------ the comment-task run


class CommentTaskArgs(IncidentArgs):
    """A task for a comment assigned in a document (`kind`); `requested_by` is the commander then."""

    external_id: str
    kind: str
    description: str
    assignee: str
    due_at: datetime
    requested_by: str


CommentTaskContext = RunContext[Deps, CommentTaskArgs, TaskState]


async def create(ctx: CommentTaskContext) -> None:
    """The task, once per comment (the service ignores a repeat), with its timeline event."""
    if ctx.state.task_id:
        return
    args = ctx.args
    task, _created = await ctx.deps.tasks.create_from_comment(
        args.external_id, args.incident_id, args.requested_by, args.description, args.assignee, args.due_at
    )
    await ctx.record(task_id=task.id)


async def tell(ctx: CommentTaskContext) -> None:
    """The assignee hears by DM where the task came from (a courtesy: a refusal is logged)."""
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)
    task = await deps.tasks.get(ctx.state.task)
    document = await deps.documents.get(incident.id, ctx.args.kind)
    text = document_blocks.comment_task_assigned(incident, task, document)
    for user_id in task.assignees:
        try:
            await deps.slack.post_message(user_id, text)
        except ProviderError as exc:
            log.info("documents.assignee_not_told", task=task.id, user=user_id, error=exc.detail)


COMMENT_TASK = Flow.of(
    "comment_task",
    "Creating a task from a document comment",
    CommentTaskArgs,
    TaskState,
    steps=(
        Step("create", create),
        Step("remind", create_task.arm_reminder),
        Step("participants", create_task.add_participants),
        Step("invite", create_task.invite),
        Step("post", create_task.post),
        Step("tell", tell),
    ),
)
