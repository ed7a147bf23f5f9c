"""The modal of `/dispatch-list-workflows`: the workflows run for an incident or a case, newest first.

Each run is one section: its name linked to the run at the provider, its status as its message shows
it (with "status unknown since …"), the workflow's description while it is still configured, the
reason, who ran it and when, and its artifacts as links. A long history is cut to fit a modal's 100
blocks, the rest counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dispatchbot.blocks.common import clip, context, divider, modal, section
from dispatchbot.blocks.workflows.run_form import RunFor
from dispatchbot.blocks.workflows.run_message import NAME_LIMIT, REASON_LIMIT, named, started_by, status_text
from dispatchbot.ids import CallbackId
from dispatchbot.mrkdwn import Mrkdwn, link, localized, md
from dispatchbot.workflow_runs import WorkflowRun

RUNS_SHOWN = 45
"""A section and a divider each, with the intro and the count of the rest: within 100 blocks."""
ARTIFACTS_SHOWN = 10
DESCRIPTION_LIMIT = 300


def run_list_modal(
    run_for: RunFor, runs: Sequence[WorkflowRun], descriptions: Mapping[str, str]
) -> dict[str, Any]:
    """`runs` newest first; `descriptions` by workflow name, for those still configured."""
    if not runs:
        blocks = [section(md("No workflows have run in this {kind}.", kind=run_for.kind))]
        return modal(CallbackId.LIST_WORKFLOWS, "Workflows", blocks, close="Close")
    blocks = [context(md("Workflows run for *{name}*, newest first.", name=run_for.name))]
    for run in runs[:RUNS_SHOWN]:
        blocks += [section(run_entry(run, descriptions.get(run.workflow, ""))), divider()]
    hidden = len(runs) - RUNS_SHOWN
    if hidden > 0:
        blocks.append(context(md("…and {hidden} more, older.", hidden=hidden)))
    return modal(CallbackId.LIST_WORKFLOWS, "Workflows", blocks, close="Close")


def run_entry(run: WorkflowRun, description: str) -> Mrkdwn:
    """One run as the list shows it."""
    lines = [md("{name} · {status}", name=named(run), status=status_text(run))]
    if description:
        lines.append(md("_{description}_", description=clip(description, DESCRIPTION_LIMIT)))
    if run.reason:
        lines.append(md("Reason: {reason}", reason=clip(run.reason, REASON_LIMIT)))
    when = localized(run.created_at, "{date_short_pretty} {time}", f"{run.created_at:%Y-%m-%d %H:%M} UTC")
    lines.append(md("Run by {who} · {when}", who=started_by(run), when=when))
    if run.artifacts:
        shown = [
            link(artifact.url, clip(artifact.name or artifact.url, NAME_LIMIT))
            for artifact in run.artifacts[:ARTIFACTS_SHOWN]
        ]
        more = len(run.artifacts) - ARTIFACTS_SHOWN
        artifacts = Mrkdwn(", ").join(shown) + (md(" and {more} more", more=more) if more > 0 else Mrkdwn(""))
        lines.append(md("Artifacts: {artifacts}", artifacts=artifacts))
    return Mrkdwn("\n").join(lines)
