"""The list of an incident's or case's workflow runs: what each run shows, the empty list, and a long
history cut to fit a modal."""

from __future__ import annotations

from dispatchbot.blocks.workflows.run_list import RUNS_SHOWN, run_entry, run_list_modal
from dispatchbot.ids import CallbackId
from dispatchbot.providers.workflows import Artifact, WorkflowStatus
from tests.blocks.limits import valid_view
from tests.blocks.samples import ALICE, NOW
from tests.blocks.texts import mrkdwn
from tests.blocks.workflows.form_samples import CASE, INCIDENT, WEBLINK, run


def test_nothing_run_yet_says_so_for_an_incident_and_a_case() -> None:
    assert mrkdwn(valid_view(run_list_modal(INCIDENT, [], {}))) == ["No workflows have run in this incident."]
    assert mrkdwn(run_list_modal(CASE, [], {})) == ["No workflows have run in this case."]


def test_a_run_shows_its_link_status_description_reason_who_and_artifacts() -> None:
    artifacts = (
        Artifact("heap.hprof", "https://files.example/heap", ""),
        Artifact("logs", "https://files.example/logs", ""),
    )
    done = run(status=WorkflowStatus.COMPLETED, artifacts=artifacts)
    text = run_entry(done, "Gathers logs")
    assert f"*<{WEBLINK.replace('&', '&amp;')}|Collect diagnostics>*" in text
    assert "Completed" in text
    assert "Gathers logs" in text
    assert "Reason: Heap is growing" in text
    assert f"Run by <@{ALICE}>" in text
    assert "Artifacts: <https://files.example/heap|heap.hprof>, <https://files.example/logs|logs>" in text


def test_a_signal_run_and_a_run_whose_status_is_unknown() -> None:
    text = run_entry(run(requested_by=None, signal="Disk full", unknown_since=NOW), "")
    assert "Run by signal Disk full" in text
    assert "status unknown since" in text


def test_a_long_history_is_cut_newest_first_and_counted() -> None:
    runs = [run(id=n, reason=f"reason {n}") for n in range(RUNS_SHOWN + 7, 0, -1)]
    view = valid_view(run_list_modal(INCIDENT, runs, {"Collect diagnostics": "Gathers logs"}))
    assert view["callback_id"] == CallbackId.LIST_WORKFLOWS
    texts = mrkdwn(view)
    assert f"reason {RUNS_SHOWN + 7}" in texts[1]
    assert texts[-1] == "…and 7 more, older."
