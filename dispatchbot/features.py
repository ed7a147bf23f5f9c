"""The registry of features: what each one adds to the bot, declared in one place the composition root reads.

A feature is one stem across the layers (`handlers/…/tasks.py`, `flows/tasks/…`): its Slack listeners,
the durable flows it starts (registered before start-up resumes their runs), the reminder kinds it
sends and the scheduler jobs it owns. Declaring them here, instead of having `register` install them
into `Deps` as a side effect, means a reminder kind without a sender or a job without an owner is
seen by reading one list (and by `tests/test_features.py`), not by a reminder that never goes out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatchbot.config import Settings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Reminder, ReminderKind
from dispatchbot.flows.alerts import realert
from dispatchbot.flows.cases import snooze as case_snooze
from dispatchbot.flows.feedback import feedback_digest, shift_feedback
from dispatchbot.flows.incidents import (
    assign_role,
    close_reminders,
    costs,
    daily_summary,
    incident_documents,
    timeline,
    update_incident,
)
from dispatchbot.flows.incidents.create_incident import CREATE_INCIDENT
from dispatchbot.flows.oncall import engage_oncall, oncall_pages
from dispatchbot.flows.reports import report_reminders
from dispatchbot.flows.runner import Flow
from dispatchbot.flows.tasks import create_task, document_tasks, task_reminders, task_status
from dispatchbot.flows.workflows import poll as workflow_poll
from dispatchbot.flows.workflows import run_workflow
from dispatchbot.handlers import run_failures as run_failure_handlers
from dispatchbot.handlers.alerts import alerts as alert_handlers
from dispatchbot.handlers.alerts import declare as declare_handlers
from dispatchbot.handlers.cases import buttons as case_button_handlers
from dispatchbot.handlers.cases import case_form as case_form_handlers
from dispatchbot.handlers.cases import engagement as case_engagement_handlers
from dispatchbot.handlers.cases import escalate as case_escalate_handlers
from dispatchbot.handlers.cases import lists as case_list_handlers
from dispatchbot.handlers.cases import signals as signal_list_handlers
from dispatchbot.handlers.cases import snooze as case_snooze_handlers
from dispatchbot.handlers.feedback import feedback as feedback_handlers
from dispatchbot.handlers.incidents import app_home as app_home_handlers
from dispatchbot.handlers.incidents import assign_role as assign_role_handlers
from dispatchbot.handlers.incidents import channel_events as channel_event_handlers
from dispatchbot.handlers.incidents import close_reminders as close_reminder_handlers
from dispatchbot.handlers.incidents import documents as document_handlers
from dispatchbot.handlers.incidents import join_subscribe as join_subscribe_handlers
from dispatchbot.handlers.incidents import list_incidents as list_incident_handlers
from dispatchbot.handlers.incidents import notifications_group as notifications_group_handlers
from dispatchbot.handlers.incidents import participants as participant_handlers
from dispatchbot.handlers.incidents import report_incident as report_incident_handlers
from dispatchbot.handlers.incidents import timeline as timeline_handlers
from dispatchbot.handlers.incidents import update_incident as update_incident_handlers
from dispatchbot.handlers.oncall import oncall as oncall_handlers
from dispatchbot.handlers.reports import reports as report_handlers
from dispatchbot.handlers.router import Router
from dispatchbot.handlers.tasks import tasks as task_handlers
from dispatchbot.handlers.workflows import run_workflow as workflow_handlers

Handlers = Callable[[Router, Deps], None]
"""Registers a feature's Slack listeners on the router (and nothing else: flows and senders are declared)."""

ReminderSender = Callable[[Deps, Reminder, Incident], Awaitable[datetime | None]]
"""Sends one due reminder; returns when it is due again, or None when it is done."""

DAILY_CHECK_SECONDS = 60.0
"""Daily messages are due once their local time has passed; checking each minute keeps them on time."""


@dataclass(frozen=True)
class ScheduledJob:
    """A scheduler job as a feature declares it: how often comes from the settings, so
    `dispatchbot scheduler list` can describe it without connecting to Slack."""

    name: str
    every_seconds: Callable[[Settings], float]
    tick: Callable[[Deps, datetime], Awaitable[None]]
    leader_only: bool = True  # False: safe on every replica at once (its work is fenced by leases)


@dataclass(frozen=True)
class Feature:
    """One feature's part in the bot; all but the name are optional (costs, say, is only a job)."""

    name: str
    handlers: Handlers | None = None
    flows: tuple[Flow[Deps, Any, Any], ...] = ()
    reminder_senders: Mapping[ReminderKind, ReminderSender] = field(default_factory=dict)
    jobs: tuple[ScheduledJob, ...] = ()


FEATURES: tuple[Feature, ...] = (
    Feature("run_failures", run_failure_handlers.register),
    Feature("report_incident", report_incident_handlers.register, flows=(CREATE_INCIDENT,)),
    Feature("update_incident", update_incident_handlers.register, flows=(update_incident.UPDATE_INCIDENT,)),
    Feature("assign_role", assign_role_handlers.register, flows=(assign_role.ASSIGN_ROLE,)),
    Feature("participants", participant_handlers.register),
    Feature("channel_events", channel_event_handlers.register),
    Feature(
        "costs",
        jobs=(
            ScheduledJob(
                "accrue_costs", lambda settings: settings.cost.accrual_interval_seconds, costs.accrue
            ),
        ),
    ),
    Feature("list_incidents", list_incident_handlers.register),
    Feature("app_home", app_home_handlers.register),
    Feature("join_subscribe", join_subscribe_handlers.register),
    Feature("notifications_group", notifications_group_handlers.register),
    Feature("timeline", timeline_handlers.register, flows=(timeline.ADD_TIMELINE_EVENT,)),
    Feature(
        "reports",
        report_handlers.register,
        flows=tuple(report_handlers.FLOWS.values()),
        reminder_senders={reminder: report_reminders.send for reminder in report_reminders.REPORT_KINDS},
    ),
    Feature(
        "tasks",
        task_handlers.register,
        flows=(create_task.CREATE_TASK, task_status.TASK_STATUS),
        reminder_senders={ReminderKind.TASK_OVERDUE: task_reminders.send_overdue},
    ),
    Feature(
        "oncall",
        oncall_handlers.register,
        flows=(engage_oncall.ENGAGE_ONCALL, oncall_pages.PAGE_ONCALL),  # pages left unsent resume too
        jobs=(ScheduledJob("poll_pages", lambda settings: settings.oncall.poll_seconds, oncall_pages.poll),),
    ),
    Feature(
        "documents",
        document_handlers.register,
        flows=(incident_documents.RETRY_DOCUMENTS, document_tasks.COMMENT_TASK),
        jobs=(
            ScheduledJob(
                "sync_document_tasks", lambda settings: settings.google.task_sync_seconds, document_tasks.sync
            ),
        ),
    ),
    Feature(
        "daily_summary",
        jobs=(
            ScheduledJob("send_daily_summaries", lambda _settings: DAILY_CHECK_SECONDS, daily_summary.tick),
        ),
    ),
    Feature(
        "feedback",
        feedback_handlers.register,
        jobs=(
            ScheduledJob(
                "send_feedback_digests", lambda _settings: DAILY_CHECK_SECONDS, feedback_digest.tick
            ),
            ScheduledJob("ask_shift_feedback", lambda _settings: 5 * 60, shift_feedback.tick),
        ),
    ),
    Feature(
        "close_reminders",
        close_reminder_handlers.register,
        flows=(close_reminder_handlers.CLOSING,),
        reminder_senders={close_reminders.KIND: close_reminders.send},
    ),
    Feature(
        "alerts",
        alert_handlers.register,
        jobs=(
            ScheduledJob(
                "realert_alerts",
                lambda settings: settings.scheduler.reminder_tick_seconds,
                realert.tick,
            ),
        ),
    ),
    Feature("declare_from_alert", declare_handlers.register),  # through the report form's run
    Feature("cases", case_button_handlers.register),
    Feature("case_engagement", case_engagement_handlers.register),
    Feature("escalate_case", case_escalate_handlers.register),  # through the report form's run
    Feature("list_signals", signal_list_handlers.register),
    Feature(
        "snoozes",
        case_snooze_handlers.register,
        jobs=(
            ScheduledJob(
                "end_snoozes", lambda settings: settings.scheduler.reminder_tick_seconds, case_snooze.end_tick
            ),
        ),
    ),
    Feature("case_lists", case_list_handlers.register),
    Feature("case_forms", case_form_handlers.register),
    Feature(
        "workflows",
        flows=(run_workflow.RUN_WORKFLOW,),
        jobs=(
            ScheduledJob(
                "poll_workflows",
                lambda settings: settings.scheduler.workflow_poll_seconds,
                workflow_poll.tick,
            ),
        ),
    ),
    Feature("workflow_commands", workflow_handlers.register),  # runs through the "workflows" feature's flow
)
"""In an order that keeps `dispatchbot scheduler list` as it was: the scheduler's own jobs come first,
then each feature's, in this order (listeners and flows are looked up by name, so their order is free)."""


def reminder_senders(features: Iterable[Feature]) -> dict[ReminderKind, ReminderSender]:
    """Every declared sender by kind; two features sending one kind is a wiring mistake, refused."""
    senders: dict[ReminderKind, ReminderSender] = {}
    for feature in features:
        for kind, sender in feature.reminder_senders.items():
            if kind in senders:
                raise ValueError(
                    f"two senders for the reminder kind {kind.value!r} ({feature.name!r} is one)"
                )
            senders[kind] = sender
    return senders
