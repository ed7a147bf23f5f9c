"""The hostile sample call of each builder of a run's message, its finished reply and its timeline lines,
that tests/blocks/test_escaping.py runs with the other builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatchbot.blocks.workflows import run_message
from dispatchbot.providers.workflows import WorkflowStatus
from tests.blocks.workflows.form_samples import hostile_runs

FINISHED = (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED)

BUILDERS: dict[str, Callable[[str], Any]] = {
    "run_message.run_message": lambda h: [run_message.run_message(run) for run in hostile_runs(h)],
    "run_message.status_text": lambda h: [run_message.status_text(run) for run in hostile_runs(h)],
    "run_message.started_by": lambda h: [run_message.started_by(run) for run in hostile_runs(h)],
    "run_message.named": lambda h: [run_message.named(run) for run in hostile_runs(h)],
    "run_message.finished_reply": lambda h: [
        run_message.finished_reply(run) for run in hostile_runs(h) if run.status in FINISHED
    ],
    "run_message.timeline_text": lambda h: [run_message.timeline_text(run) for run in hostile_runs(h)],
}

NOT_FOR_SLACK: dict[str, str] = {
    "run_message.run_marker": "a block id",
    "run_message.reply_marker": "a block id",
    "run_message.case_detail": "plain words for a case's timeline, escaped where the case shows them",
}
