"""A run's message says who started what and why, with its status in every state it can be in; its
finished reply lists the artifacts by link, capped, or says there are none."""

from __future__ import annotations

from dispatchbot.blocks.workflows.run_message import (
    ARTIFACTS_SHOWN,
    finished_reply,
    run_message,
    status_text,
    timeline_text,
)
from dispatchbot.providers.workflows import Artifact, WorkflowStatus
from tests.blocks.samples import ALICE, NOW
from tests.blocks.workflows.form_samples import WEBLINK, run

LINKED = "<https://ci.example/runs/1?tab=logs&amp;x=1|Collect diagnostics>"


def test_the_message_says_who_started_what_and_why() -> None:
    text, blocks = run_message(run())
    assert text == f"Workflow started: *{LINKED}* by <@{ALICE}> — Heap is growing"
    assert blocks[0]["text"]["text"] == f":gear: {text}"
    assert blocks[1]["elements"][0]["text"] == "Status: :arrows_counterclockwise: Running"


def test_a_signal_run_names_its_signal() -> None:
    text, _ = run_message(run(requested_by=None, signal="Disk <full>", reason=""))
    assert text == f"Workflow started: *{LINKED}* by signal Disk &lt;full&gt;"


def test_every_status_is_shown() -> None:
    assert status_text(run(instance_id=None, status=WorkflowStatus.SUBMITTED)) == (
        ":hourglass_flowing_sand: Starting…"
    )
    assert status_text(run(instance_id=None, status=WorkflowStatus.FAILED, error="no <such> file")) == (
        ":warning: Could not start: no &lt;such&gt; file"
    )
    assert status_text(run(status=WorkflowStatus.COMPLETED)) == ":white_check_mark: Completed"
    assert status_text(run(status=WorkflowStatus.FAILED)) == ":x: Failed"
    unknown = status_text(run(unknown_since=NOW))
    assert unknown.startswith(":arrows_counterclockwise: Running · :warning: status unknown since <!date^")
    assert status_text(run(error="provider not configured", unknown_since=NOW)) == (
        ":arrows_counterclockwise: Running · :warning: status unknown: provider not configured"
    )


def test_a_run_that_could_not_start_says_so() -> None:
    failed = run(instance_id=None, status=WorkflowStatus.FAILED, error="Workflow diagnostics not found")
    text, _ = run_message(failed)
    assert text.startswith("Workflow could not start: *")
    assert (
        timeline_text(failed)
        == "Workflow Collect diagnostics could not start: Workflow diagnostics not found"
    )


def test_the_finished_reply_lists_artifacts_capped() -> None:
    artifacts = tuple(Artifact(f"log {n}", f"https://ci.example/a/{n}", "heap") for n in range(25))
    text, blocks = finished_reply(run(status=WorkflowStatus.COMPLETED, artifacts=artifacts))
    assert text == f":white_check_mark: Workflow *{LINKED}* completed."
    assert blocks[1]["elements"][0]["text"] == "Artifacts (25):"
    assert blocks[2]["text"]["text"] == "• <https://ci.example/a/0|log 0> — heap"
    assert len(blocks) == 2 + ARTIFACTS_SHOWN + 1
    assert blocks[-1]["elements"][0]["text"] == "and 5 more"


def test_a_reply_without_artifacts_says_so() -> None:
    text, blocks = finished_reply(run(status=WorkflowStatus.FAILED, weblink=""))
    assert text == ":x: Workflow *Collect diagnostics* failed."
    assert blocks[1]["elements"][0]["text"] == "No artifacts"
    assert WEBLINK not in text
