"""Use case: start a workflow for an incident, a case or an alert, and say so where its people look.

A durable run (`RUN_WORKFLOW`, keyed by the request's key: a double submit starts one run). Its steps:
record the workflow run (what to send, where its message goes); post its message ("Starting…"), so
people see at once that something happens even while the provider is slow to answer; start it at the
provider; show the outcome (the link, or why it could not start) by editing the message. The timeline
lines are written with the changes that owe them (`services.workflow_runs`), and the scheduler's `poll`
job follows the run from there.

Starting is the step that must never happen twice. The moment of the first attempt is recorded before
the provider is called, so an attempt resumed after a crash (the provider may have accepted the run
while we never heard the answer) asks the provider for a run of this key since then before starting
one. A provider that does not answer is tried again by the runner; one that refuses (a wrong workflow,
inputs it rejects) fails the run, and its message says why in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatchbot.blocks.incidents.documents import conversation_link
from dispatchbot.blocks.workflows import run_message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError, ProviderUnavailable, UserFacingError
from dispatchbot.flows import posting
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_failures import last_attempt
from dispatchbot.flows.run_models import RunArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.logs import get_logger
from dispatchbot.providers.workflows import WorkflowRequest
from dispatchbot.services.workflow_runs import NewRun
from dispatchbot.workflow_runs import WorkflowRun

log = get_logger(__name__)

GITHUB_ACTIONS = "github_actions"
"""The provider that refuses inputs its workflow file does not declare: context only fills its parameters."""


@dataclass(frozen=True)
class RunRequest:
    workflow: str
    """A `[[workflows]]` name."""
    key: str
    """The idempotency key (the submitted view's id; for a signal, its alert or case and workflow)."""
    params: dict[str, str]
    """The person's values, one per configured parameter."""
    reason: str
    requested_by: str | None
    """The Slack user id; None when a signal starts it."""
    incident_id: int | None = None
    case_id: int | None = None
    alert_id: int | None = None


class RunWorkflowArgs(RunArgs):
    workflow: str
    params: dict[str, str]
    reason: str
    incident_id: int | None = None
    case_id: int | None = None
    alert_id: int | None = None


class RunWorkflowState(PostingState):
    run_id: int | None = None
    """The workflow run recorded by the first step."""
    attempted_at: datetime | None = None
    """When the provider was first asked to start it (recorded before asking)."""


RunWorkflowContext = RunContext[Deps, RunWorkflowArgs, RunWorkflowState]


@dataclass(frozen=True)
class Subject:
    """What the run is for, as the provider is told (`incident_name` …) and where its message goes."""

    name: str
    title: str
    severity: str
    status: str
    signal: str
    channel_id: str | None
    thread_ts: str | None


async def start(deps: Deps, request: RunRequest) -> None:
    """Records the durable run RUN_WORKFLOW keyed by request.key and returns (a repeated key starts
    nothing)."""
    args = RunWorkflowArgs(
        workflow=request.workflow,
        params=request.params,
        reason=request.reason,
        requested_by=request.requested_by,
        incident_id=request.incident_id,
        case_id=request.case_id,
        alert_id=request.alert_id,
    )
    await deps.runs.start(RUN_WORKFLOW, key=request.key, args=args)


async def record(ctx: RunWorkflowContext) -> None:
    """Record the workflow run: the configured workflow as it is now, the parameters with the context,
    and where its message goes."""
    if ctx.state.run_id is not None:
        return
    deps, args = ctx.deps, ctx.args
    workflow = deps.settings.workflow(args.workflow)
    if workflow is None:
        raise UserFacingError(f"The workflow {args.workflow!r} is not configured any more.")
    subject = await _subject(deps, args)
    context = {
        "incident_name": subject.name,
        "incident_title": subject.title,
        "incident_severity": subject.severity,
        "incident_status": subject.status,
        "workflowInstanceId": ctx.key,
        "externalRef": conversation_link(deps.identity.url, subject.channel_id) if subject.channel_id else "",
    }
    run = await deps.workflow_runs.open(
        NewRun(
            key=ctx.key,
            workflow=workflow.name,
            provider=workflow.provider,
            resource_id=workflow.resource_id,
            params=with_context(args.params, context, extra_keys=workflow.provider != GITHUB_ACTIONS),
            reason=args.reason,
            requested_by=args.requested_by,
            signal=subject.signal,
            incident_id=args.incident_id,
            case_id=args.case_id,
            alert_id=args.alert_id,
            channel_id=subject.channel_id,
            thread_ts=subject.thread_ts,
        )
    )
    await ctx.record(run_id=run.id)


def with_context(params: dict[str, str], context: dict[str, str], *, extra_keys: bool) -> dict[str, str]:
    """The person's values, with the context filling each one left empty and, unless the provider
    refuses undeclared inputs (`extra_keys` False), added under its own name."""
    merged = dict(params)
    for name, value in context.items():
        if not merged.get(name) and (extra_keys or name in merged):
            merged[name] = value
    return merged


async def start_at_provider(ctx: RunWorkflowContext) -> None:
    """Start the run at its provider, once (see the module)."""
    deps = ctx.deps
    run = await _run(ctx)
    if run.instance_id is not None or run.status.finished:
        return
    adapter = deps.providers.workflows.get(run.provider)
    if adapter is None:
        await deps.workflow_runs.refused(run.id, f"the workflow provider {run.provider} is not configured")
        return
    request = workflow_request(run)
    try:
        instance = None
        if ctx.state.attempted_at is not None:
            instance = await adapter.find(request, since=ctx.state.attempted_at)
        if instance is None:
            if ctx.state.attempted_at is None:
                await ctx.record(attempted_at=deps.clock.now())
            instance = await adapter.run(request)
    except ProviderUnavailable as exc:
        log.warning("workflow.start_delayed", run=run.id, provider=run.provider, error=exc.detail)
        if not await last_attempt(ctx):
            raise
        await deps.workflow_runs.refused(run.id, f"the provider did not answer ({exc.detail})")
        return
    except ProviderError as exc:
        log.warning("workflow.start_refused", run=run.id, provider=run.provider, error=exc.detail)
        await deps.workflow_runs.refused(run.id, exc.detail)
        return
    await deps.workflow_runs.started(run.id, instance, poll_at=deps.clock.now())


def workflow_request(run: WorkflowRun) -> WorkflowRequest:
    """What the provider is asked (and asked about): the run's key first among its tags, then what it
    is for."""
    subject = [
        f"{prefix}{ref}"
        for prefix, ref in (("INC-", run.incident_id), ("CASE-", run.case_id), ("ALERT-", run.alert_id))
        if ref is not None
    ]
    return WorkflowRequest(run.resource_id, run.key, run.params, (run.key, *subject))


async def post_message(ctx: RunWorkflowContext) -> None:
    """Post the run's message before the provider is asked ("Starting…"); it is edited from there. A
    channel that takes no posts any more (archived) is skipped."""
    run = await _run(ctx)
    if run.channel_id is None or run.message_ts is not None:
        return
    message = run_message.run_message(run)
    ts = await posting.post_once(
        ctx,
        "message",
        run.channel_id,
        message,
        marker=run_message.run_marker(run.id),
        skip_archived=True,
        thread_ts=run.thread_ts,
    )
    if ts is not None:
        await ctx.deps.workflow_runs.message_posted(run.id, run.channel_id, ts, run.version)


async def show_outcome(ctx: RunWorkflowContext) -> None:
    """Edit the message to show how the start went (started with its link, or why not) now, rather than
    at the next poll."""
    await show_latest(ctx.deps, await _run(ctx))


async def show_latest(deps: Deps, run: WorkflowRun) -> None:
    """Edit the run's message when it does not show the run's latest state; a failed edit is left for
    the poll job, which edits every message that is behind."""
    if run.channel_id is None or run.message_ts is None or run.rendered_version >= run.version:
        return
    text, blocks = run_message.run_message(run)
    try:
        await deps.slack.update_message(run.channel_id, run.message_ts, text, blocks)
    except ProviderError as exc:
        log.warning("workflow.edit_failed", run=run.id, error=exc.detail)
        return
    await deps.workflow_runs.shown(run.id, run.version)


async def _run(ctx: RunWorkflowContext) -> WorkflowRun:
    assert ctx.state.run_id is not None  # recorded by the first step
    return await ctx.deps.workflow_runs.get(ctx.state.run_id)


async def _subject(deps: Deps, args: RunWorkflowArgs) -> Subject:
    """An incident's run goes to its channel; a case's to its message's thread (or to its own channel
    once it has one); an alert's to its message's thread."""
    if args.incident_id is not None:
        incident = await deps.incidents.get(args.incident_id)
        return Subject(
            incident.reference,
            incident.title,
            incident.severity,
            incident.status.value,
            "",
            incident.channel_id,
            None,
        )
    if args.case_id is not None:
        case = await deps.cases.get(args.case_id)
        move = await deps.cases.channel_move(case.id)
        own = move is not None and move.done
        channel_id = case.channel if own else await deps.slack.channel_id_for(case.channel)
        thread_ts = None if own else case.message_ts
        return Subject(
            case.name, case.title, case.case_priority, case.status.value, case.signal, channel_id, thread_ts
        )
    if args.alert_id is not None:
        alert = await deps.alerts.get(args.alert_id)
        channel_id = await deps.slack.channel_id_for(alert.channel) if alert.channel else None
        return Subject(
            f"ALERT-{alert.id}",
            alert.title,
            alert.severity.value,
            alert.state.value,
            alert.signal,
            channel_id,
            alert.message_ts,
        )
    raise UserFacingError("A workflow runs for an incident, a case or an alert.")


RUN_WORKFLOW = Flow.of(
    "run_workflow",
    "Starting your workflow",
    RunWorkflowArgs,
    RunWorkflowState,
    steps=(
        Step("record", record),
        Step("post", post_message),
        Step("start", start_at_provider),
        Step("show", show_outcome),
    ),
)
