"""A workflow run's message (edited in place on each status change), the reply in its thread that says
it finished (with its artifacts), and the timeline lines of its start and end.

Everything in them came from outside: the workflow's name and parameters from the config, the reason
from a person, the link, artifacts and any refusal from the provider. All of it is escaped; artifacts
are capped so a run that produced hundreds still fits one message.
"""

from __future__ import annotations

from datetime import datetime

from dispatchbot.blocks.common import MESSAGE_BLOCK_LIMIT, Message, clip, context, section
from dispatchbot.mrkdwn import Mrkdwn, link, localized, md, mention
from dispatchbot.providers.workflows import Artifact, WorkflowStatus
from dispatchbot.workflow_runs import WorkflowRun

NAME_LIMIT = 200
REASON_LIMIT = 1000
DETAIL_LIMIT = 1000
ARTIFACT_DESCRIPTION_LIMIT = 300
ARTIFACTS_SHOWN = 20
"""Artifacts listed in a reply (one section each, well under Slack's 50 blocks); the rest are counted."""
TEXT_LIMIT = 3000
STATUS_EMOJI = {
    WorkflowStatus.SUBMITTED: Mrkdwn(":hourglass_flowing_sand:"),
    WorkflowStatus.RUNNING: Mrkdwn(":arrows_counterclockwise:"),
    WorkflowStatus.COMPLETED: Mrkdwn(":white_check_mark:"),
    WorkflowStatus.FAILED: Mrkdwn(":x:"),
}

assert ARTIFACTS_SHOWN + 2 <= MESSAGE_BLOCK_LIMIT


def run_marker(run_id: int) -> str:
    """The block id of a run message's first block: a post retried after a crash finds the first one."""
    return f"workflow-run-{run_id}"


def reply_marker(run_id: int) -> str:
    """The block id of the finished reply's first block, for the same reason."""
    return f"workflow-run-{run_id}-finished"


def started_by(run: WorkflowRun) -> Mrkdwn:
    """Who started it: a mention, or the signal whose alert or case did."""
    if run.requested_by:
        return mention(run.requested_by)
    return md("signal {name}", name=clip(run.signal or "(unknown)", NAME_LIMIT))


def named(run: WorkflowRun) -> Mrkdwn:
    """The workflow's name in bold, linked to the run at the provider once there is a link."""
    return md("*{name}*", name=link(run.weblink, clip(run.workflow, NAME_LIMIT)))


def status_text(run: WorkflowRun) -> Mrkdwn:
    """Where the run stands, as its message and lists show it."""
    if run.instance_id is None:
        if run.status is WorkflowStatus.FAILED:
            return md(":warning: Could not start: {detail}", detail=clip(run.error, DETAIL_LIMIT))
        return Mrkdwn(":hourglass_flowing_sand: Starting…")
    shown = md("{emoji} {label}", emoji=STATUS_EMOJI[run.status], label=run.status.label)
    if run.status.finished:
        return shown
    if run.error:  # followed no more: its workflow or provider left the config
        return md(
            "{shown} · :warning: status unknown: {detail}", shown=shown, detail=clip(run.error, DETAIL_LIMIT)
        )
    if run.unknown_since is not None:
        return md(
            "{shown} · :warning: status unknown since {when}", shown=shown, when=_moment(run.unknown_since)
        )
    return shown


def run_message(run: WorkflowRun) -> Message:
    """The run's message in its channel (or thread): who started what and why, and its status now."""
    if run.instance_id is None and run.status is WorkflowStatus.FAILED:
        line = md("Workflow could not start: {name} by {who}", name=named(run), who=started_by(run))
    elif run.instance_id is None:
        line = md("Starting workflow: {name} by {who}", name=named(run), who=started_by(run))
    else:
        line = md("Workflow started: {name} by {who}", name=named(run), who=started_by(run))
    if run.reason:
        line = md("{line} — {reason}", line=line, reason=clip(run.reason, REASON_LIMIT))
    status = md("Status: {status}", status=status_text(run))
    return line.clip(TEXT_LIMIT), [section(md(":gear: {line}", line=line)), context(status)]


def finished_reply(run: WorkflowRun) -> Message:
    """The reply under the run's message once it finished: how, and what it produced, by link."""
    verb = "completed" if run.status is WorkflowStatus.COMPLETED else "failed"
    emoji = STATUS_EMOJI[run.status]
    line = md("{emoji} Workflow {name} {verb}.", emoji=emoji, name=named(run), verb=verb)
    blocks = [section(line)]
    if not run.artifacts:
        blocks.append(context(Mrkdwn("No artifacts")))
    else:
        blocks.append(context(md("Artifacts ({count}):", count=len(run.artifacts))))
        blocks.extend(section(_artifact(artifact)) for artifact in run.artifacts[:ARTIFACTS_SHOWN])
        hidden = len(run.artifacts) - ARTIFACTS_SHOWN
        if hidden > 0:
            blocks.append(context(md("and {count} more", count=hidden)))
    return line.clip(TEXT_LIMIT), blocks


def timeline_text(run: WorkflowRun) -> Mrkdwn:
    """The incident timeline's line for the run as it is now: started, could not start, or finished."""
    name = clip(run.workflow, NAME_LIMIT)
    if run.instance_id is None:
        detail = clip(run.error, DETAIL_LIMIT)
        return md("Workflow {name} could not start: {detail}", name=name, detail=detail)
    if run.status.finished:
        verb = "completed" if run.status is WorkflowStatus.COMPLETED else "failed"
        return md("Workflow {name} {verb}", name=name, verb=verb)
    line = md("Workflow {name} started by {who}", name=name, who=started_by(run))
    return md("{line} — {reason}", line=line, reason=clip(run.reason, REASON_LIMIT)) if run.reason else line


def case_detail(run: WorkflowRun) -> str:
    """The same, as plain words for a case's timeline (which escapes them where it shows them)."""
    if run.instance_id is None:
        return f"{run.workflow} could not start: {run.error}"
    if run.status.finished:
        return f"{run.workflow} {'completed' if run.status is WorkflowStatus.COMPLETED else 'failed'}"
    return f"{run.workflow} started" + (f": {run.reason}" if run.reason else "")


def _artifact(artifact: Artifact) -> Mrkdwn:
    shown = md("• {name}", name=link(artifact.url, clip(artifact.name or artifact.url, NAME_LIMIT)))
    if not artifact.description:
        return shown
    return md("{shown} — {about}", shown=shown, about=clip(artifact.description, ARTIFACT_DESCRIPTION_LIMIT))


def _moment(moment: datetime) -> Mrkdwn:
    return localized(moment, "{date_short_pretty} {time}", f"{moment:%Y-%m-%d %H:%M} UTC")
