"""The features registry: every reminder kind is sent by exactly one feature, and the scheduler's jobs
are the ones `dispatchbot scheduler list` has always shown (names, periods and leader-only, in order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from dispatchbot.config import Settings
from dispatchbot.domain import ReminderKind
from dispatchbot.features import FEATURES, reminder_senders
from dispatchbot.scheduler.jobs import JobSpec, job_specs


def test_every_reminder_kind_has_exactly_one_sender() -> None:
    declared = Counter(kind for feature in FEATURES for kind in feature.reminder_senders)
    assert declared == Counter(set(ReminderKind))
    assert set(reminder_senders(FEATURES)) == set(ReminderKind)


def test_a_second_sender_for_a_kind_is_refused() -> None:
    tasks = next(feature for feature in FEATURES if ReminderKind.TASK_OVERDUE in feature.reminder_senders)
    with pytest.raises(ValueError, match="two senders for the reminder kind 'task_overdue'"):
        reminder_senders([*FEATURES, replace(tasks, name="copy")])


def test_the_jobs_are_the_ones_scheduler_list_always_showed() -> None:
    assert job_specs(Settings()) == [
        JobSpec("send_due_reminders", timedelta(seconds=30), True),
        JobSpec("sweep_flow_runs", timedelta(seconds=1), False),
        JobSpec("prune_deliveries", timedelta(hours=1), True),
        JobSpec("accrue_costs", timedelta(seconds=300), True),
        JobSpec("poll_pages", timedelta(seconds=60), True),
        JobSpec("sync_document_tasks", timedelta(seconds=30), True),
        JobSpec("send_daily_summaries", timedelta(minutes=1), True),
        JobSpec("send_feedback_digests", timedelta(minutes=1), True),
        JobSpec("ask_shift_feedback", timedelta(minutes=5), True),
        JobSpec("realert_alerts", timedelta(seconds=30), True),
        JobSpec("end_snoozes", timedelta(seconds=30), True),
        JobSpec("poll_workflows", timedelta(seconds=30), True),
    ]


def test_job_periods_follow_the_settings() -> None:
    settings = Settings.model_validate(
        {
            "runs": {"sweep_interval_seconds": 2},
            "cost": {"accrual_interval_seconds": 11},
            "oncall": {"poll_seconds": 13},
            "google": {"task_sync_seconds": 17},
            "scheduler": {"reminder_tick_seconds": 7, "workflow_poll_seconds": 19},
        }
    )
    periods = {spec.name: spec.every.total_seconds() for spec in job_specs(settings)}
    assert periods == {
        "send_due_reminders": 7,
        "sweep_flow_runs": 2,
        "prune_deliveries": 3600,
        "accrue_costs": 11,
        "poll_pages": 13,
        "sync_document_tasks": 17,
        "send_daily_summaries": 60,
        "send_feedback_digests": 60,
        "ask_shift_feedback": 300,
        "realert_alerts": 7,
        "end_snoozes": 7,
        "poll_workflows": 19,
    }


def test_names_and_flow_kinds_are_declared_once() -> None:
    names = Counter(feature.name for feature in FEATURES)
    kinds = Counter(flow.kind for feature in FEATURES for flow in feature.flows)
    assert [name for name, count in names.items() if count > 1] == []
    assert [kind for kind, count in kinds.items() if count > 1] == []
