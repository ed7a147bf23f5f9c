"""Use case: a commander or scribe writes a tactical report (conditions, actions, needs).

The form is prefilled from the last tactical report, and the open tasks stand in for actions not yet
written. The submission starts a durable run keyed by the view: store the report (with its timeline
event, once per key), post it in the channel, pin it in place of the previous one, send copies to
subscribers and notification targets, and move the tactical reminder. Every step records what it did;
a post interrupted by a crash is looked for (by a marker block id) before it is made again.

The executive report runs the same steps but the pin, so they live here and `report_executive` reuses
them: each reads the report kind from the run's arguments.
"""

from __future__ import annotations

import asyncio

from dispatchbot.blocks.common import Message
from dispatchbot.blocks.reports import reports as report_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Report, ReportKind, TaskStatus
from dispatchbot.errors import ProviderError
from dispatchbot.flows import access, forms, notify, posting
from dispatchbot.flows.reports import report_reminders
from dispatchbot.flows.reports.report_run import ReportArgs, ReportContext, ReportFlow, ReportState
from dispatchbot.flows.runner import Flow, Step
from dispatchbot.logs import get_logger

log = get_logger(__name__)


def action(kind: ReportKind) -> str:
    """What a refusal says the person may not do: "write a tactical report"."""
    return f"write {report_blocks.a_report(kind)}"


async def incident_for_command(deps: Deps, channel_id: str, user_id: str, kind: ReportKind) -> Incident:
    """This channel's incident, if the caller is its commander or scribe."""
    return await access.managed_incident_in_channel(
        deps, channel_id, user_id, report_reminders.COMMANDS[kind], action(kind)
    )


async def incident_for_button(deps: Deps, value: str, user_id: str) -> tuple[ReportKind, Incident]:
    """The reminder's Write report button (in a DM, so the incident travels in its value), re-checked."""
    kind, incident_id = report_blocks.read_report_value(value)
    incident = await access.visible_incident(deps, incident_id, user_id)
    await access.require_manager(deps, incident, user_id, action(kind))
    return kind, incident


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    previous = await deps.reports.latest(incident.id, ReportKind.TACTICAL)
    tasks = [task for task in await deps.tasks.for_incident(incident.id) if task.status is TaskStatus.OPEN]
    await forms.show(deps, trigger_id, report_blocks.tactical_modal(incident, previous, tasks), user_id)


async def submit(
    deps: Deps,
    flow: ReportFlow,
    kind: ReportKind,
    view_id: str,
    incident_id: int,
    details: dict[str, str],
    user_id: str,
) -> None:
    """Check again (the role may have moved while the form was open), then start the run; a repeated
    submission of the same view joins the first run."""
    incident = await deps.incidents.get(incident_id)
    await access.require_manager(deps, incident, user_id, action(kind))
    await deps.runs.start(
        flow,
        key=f"view:{view_id}",
        args=ReportArgs(incident_id=incident_id, kind=kind, details=details, requested_by=user_id),
    )


async def record(ctx: ReportContext) -> None:
    """Store the report once per run key (the service writes its timeline event with it)."""
    if ctx.state.report_id is not None:
        return
    args = ctx.args
    report, _created = await ctx.deps.reports.create(
        ctx.key, args.incident_id, args.kind, args.requested_by, args.details
    )
    await ctx.record(report_id=report.id)


async def post(ctx: ReportContext) -> None:
    """Post the report in the incident channel (once) and remember where it is."""
    incident, report = await _load(ctx)
    if incident.channel_id is None:
        return
    ts = await posting.post_once(
        ctx, "report", incident.channel_id, report_blocks.report_message(incident, report)
    )
    if ts is not None and report.message_ts is None:
        await ctx.deps.reports.set_message(report.id, ts)


async def pin(ctx: ReportContext) -> None:
    """Pin the report and unpin the one it replaces, so the channel's pins show the current picture."""
    incident, report = await _load(ctx)
    if incident.channel_id is None or report.message_ts is None:
        return
    await ctx.deps.slack.pin(incident.channel_id, report.message_ts)
    previous = await ctx.deps.reports.before(report)
    if previous is not None and previous.message_ts is not None:
        await ctx.deps.slack.unpin(incident.channel_id, previous.message_ts)


async def send_copies(ctx: ReportContext) -> None:
    """A copy for each notification target (channels, subscribers, the notifications group), at once.

    A target Slack refuses is logged and skipped, never fatal; the ones reached are recorded, so a
    retry (after a dropped connection, say) only reaches the rest.
    """
    incident, report = await _load(ctx)
    message = report_blocks.report_message(incident, report, copy=True)
    targets = [t for t in await notify.notification_targets(ctx.deps, incident) if t not in ctx.state.sent_to]
    results = await asyncio.gather(
        *(_deliver(ctx.deps, target, message) for target in targets), return_exceptions=True
    )
    done = {t for t, result in zip(targets, results, strict=True) if result is None}
    if done:
        await ctx.record(sent_to=ctx.state.sent_to | done)
    failure = next((result for result in results if isinstance(result, BaseException)), None)
    if failure is not None:
        raise failure


async def remind_later(ctx: ReportContext) -> None:
    """The next reminder of this kind is one interval after this report."""
    incident, report = await _load(ctx)
    await report_reminders.arm(ctx.deps, incident, report.kind, report.created_at)


TACTICAL_REPORT = Flow.of(
    "report_tactical",
    "Posting your tactical report",
    ReportArgs,
    ReportState,
    steps=(
        Step("record", record),
        Step("post", post),
        Step("pin", pin),
        Step("copies", send_copies),
        Step("remind", remind_later),
    ),
)


async def _load(ctx: ReportContext) -> tuple[Incident, Report]:
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    return incident, await ctx.deps.reports.get(ctx.state.report)


async def _deliver(deps: Deps, target: str, message: Message) -> None:
    """Slack's refusal (a deleted channel, a deactivated person) is final: logged, not retried."""
    text, blocks = message
    try:
        await deps.slack.post_message(target, text, blocks)
    except ProviderError as exc:
        log.warning("report.copy_failed", target=target, error=exc.detail)
