"""Every builder in `dispatchbot.blocks`, fed hostile text in every field that came from outside.

The table below has one sample call per public function of every blocks module; a function that
builds nothing for Slack (a parser, a name, a value for a button) is listed with the reason instead.
A new builder without a sample fails `test_every_builder_has_a_sample`, so none can skip this check.

For each sample, with a short and a very long hostile text: no mrkdwn text and no message `text`
holds live markup that came from the text (only escaped), and the output is valid Block Kit (slack_sdk's
models) within Slack's limits.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

import dispatchbot.blocks
from dispatchbot.blocks import common, run_failures
from dispatchbot.blocks.feedback import feedback
from dispatchbot.blocks.incidents import (
    app_home,
    assign_role,
    channel_events,
    close_reminders,
    daily_summary,
    documents,
    incident,
    join_subscribe,
    list_incidents,
    notifications_group,
    participants,
    report_incident,
    timeline,
    update_incident,
)
from dispatchbot.blocks.oncall import oncall
from dispatchbot.blocks.reports import reports
from dispatchbot.blocks.tasks import tasks
from dispatchbot.catalog import Catalog
from dispatchbot.config import CommandSettings, ServiceSettings
from dispatchbot.domain import (
    EDITABLE_FIELDS,
    Document,
    Incident,
    IncidentDraft,
    IncidentType,
    IncidentUpdate,
    Page,
    PageStatus,
    Participant,
    Priority,
    Report,
    ReportKind,
    ResourceStatus,
    Role,
    Severity,
    Status,
    Task,
    TaskStatus,
    TimelineEvent,
    Visibility,
)
from dispatchbot.mrkdwn import Mrkdwn, escape, md, mention
from tests.blocks import samples
from tests.blocks.alerts import samples as alert_samples
from tests.blocks.limits import problems, valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CAROL, CHANNEL, NOW
from tests.blocks.workflows import form_samples as workflow_form_samples
from tests.blocks.workflows import run_message_samples as workflow_run_samples
from tests.support.escaping import HOSTILE, unescaped

DOC_URL = "https://docs.example/document/d/1?usp=sharing&x=1"
"""A document link with characters mrkdwn must escape (`&`)."""

SIZES = {"short": HOSTILE, "long": HOSTILE * 40}
"""The long one is far beyond every Slack limit, and escaping makes it longer still."""


# ------------------------------------------------------------------ hostile domain objects


def an_incident(h: str, **changes: Any) -> Incident:
    """Incident 7 with hostile text in every field a person typed or chose."""
    typed = ("title", "description", "resolution", "incident_type", "severity", "priority")
    return samples.incident(**{**dict.fromkeys(typed, h), **changes})


def a_task(h: str, status: TaskStatus = TaskStatus.OPEN) -> Task:
    if status is TaskStatus.RESOLVED:
        return samples.resolved_task(description=h)
    return samples.task(description=h, status=status)


def a_page(h: str, status: PageStatus, user: str | None = None) -> Page:
    """Every time of the page set, so each status shows all it can."""
    times = dict.fromkeys(("acknowledged_at", "escalated_at", "resolved_at"), NOW)
    return samples.page(
        service=h, target_name=h, acknowledged_by=h, status=status, target_user_id=user, **times
    )


def pages(h: str) -> list[Page]:
    return [a_page(h, status, user) for status in PageStatus for user in (None, CAROL)]


def a_document(h: str, status: ResourceStatus = ResourceStatus.READY) -> Document:
    return samples.document(weblink=DOC_URL + h, status=status, error=h)


def a_report(h: str, kind: ReportKind = ReportKind.TACTICAL) -> Report:
    keys = ("conditions", "actions", "needs", "current_status", "overview", "next_steps")
    return samples.report(kind, **dict.fromkeys(keys, h))


def a_participant(h: str, roles: frozenset[Role] = frozenset({Role.COMMANDER})) -> Participant:
    """Its reason is mrkdwn as the services store it: a mention of ours, typed text escaped."""
    reason = md("Invited by {who}: {typed}", who=mention(ALICE), typed=h)
    return samples.participant(roles=roles, added_reason=reason)


def events(h: str) -> list[TimelineEvent]:
    """Descriptions as their writers store them (mrkdwn, typed text escaped), one with a permalink."""
    typed = timeline.event_description(timeline.EventForm(h, NOW, "UTC"))
    slack_sent = (
        str(escape(h)) + " <!here> <@U0BOB002> <!subteam^S1|@ops>"
    )  # a message's text, as Slack sends it
    captured = timeline.captured_text(slack_sent, {BOB: h})
    return [
        TimelineEvent(1, 7, "custom", typed, ALICE, NOW, {}),
        TimelineEvent(2, 7, "message", captured, BOB, NOW, {"permalink": "https://slack.example/p1?a=1&b=2"}),
        TimelineEvent(
            3, 7, "title_changed", md("{a} changed the title to {t}", a=mention(ALICE), t=h), ALICE, NOW, {}
        ),
    ]


def a_catalog(h: str) -> Catalog:
    name = h[:60]
    return Catalog(
        incident_types=(IncidentType(name, h, Visibility.OPEN, h),),
        priorities=(Priority(name, h, 1.0, 2.0, False, True, 1),),
        severities=(Severity(name, h, True, True, 1),),
        role_policies=(),
        notifications=(),
    )


def a_service(h: str) -> ServiceSettings:
    return samples.service(name=h[:75], description=h)


def an_update(h: str) -> IncidentUpdate:
    before = an_incident(h + " before", status=Status.ACTIVE, visibility=Visibility.OPEN)
    after = an_incident(h, status=Status.STABLE, visibility=Visibility.RESTRICTED)
    return IncidentUpdate(before, after, EDITABLE_FIELDS)


def a_shift(h: str) -> feedback.ShiftSummary:
    return samples.shift(service=h)


def digest_entries(h: str) -> list[feedback.DigestEntry]:
    incident_ = an_incident(h)
    return [
        feedback.DigestEntry(incident_, rating, h, author)
        for rating in ("neutral", h)
        for author in (ALICE, None)
    ]


# ------------------------------------------------------------------ one sample call per builder

Sample = Callable[[str], Any]

BUILDERS: dict[str, Sample] = {
    # common: the pieces every builder uses (mrkdwn ones take Mrkdwn: typed text arrives escaped)
    "common.section": lambda h: common.section(escape(h)),
    "common.context": lambda h: common.context(escape(h)),
    "common.fields": lambda h: common.fields([(h[:30], escape(h))] * 12),
    "common.header": lambda h: common.header(h),
    "common.buttons": lambda h: common.buttons((h, "act", "7"), (h, "act2", "v")),
    "common.notice_modal": lambda h: common.notice_modal(h, escape(h)),
    "common.plain": lambda h: common.plain(h),
    "common.option": lambda h: common.option(h, h),
    "common.divider": lambda h: common.divider(),
    "common.text_input": lambda h: common.modal(
        "cb", h, [common.text_input("b", h, initial=h, placeholder=h)]
    ),
    "common.select_input": lambda h: common.modal(
        "cb",
        h,
        [common.select_input("b", h, [(h, h)] * 120, initial=h)],
        submit=h,
        close=h,
        private_metadata=h,
    ),
    "common.users_input": lambda h: common.modal(
        "cb", h, [common.users_input("b", h, multi=True, initial=[ALICE])]
    ),
    "common.channels_input": lambda h: common.modal(
        "cb", h, [common.channels_input("b", h, initial=[CHANNEL])]
    ),
    "common.date_input": lambda h: common.modal("cb", h, [common.date_input("b", h, NOW.date())]),
    "common.time_input": lambda h: common.modal("cb", h, [common.time_input("b", h, NOW.time())]),
    "common.modal": lambda h: common.modal(
        "cb", h, [common.divider()] * 120, submit=h, close=h, private_metadata=h
    ),
    "common.incident_form": lambda h: common.incident_form("cb", h, [common.divider()] * 120, 7, submit=h),
    # app_home
    "app_home.home_view": lambda h: app_home.home_view(
        [(an_incident(h), frozenset(Role))] * 60,
        80,
        [an_incident(h, visibility=Visibility.RESTRICTED)] * 60,
        90,
        h,
        [common.divider()] * 13,
    ),
    # assign_role
    "assign_role.assign_role_modal": lambda h: assign_role.assign_role_modal(an_incident(h)),
    "assign_role.role_assigned": lambda h: assign_role.role_assigned(ALICE, BOB, Role.SCRIBE, CAROL),
    "assign_role.assigning_modal": lambda h: assign_role.assigning_modal(an_incident(h), BOB, Role.SCRIBE),
    "assign_role.nothing_to_do_modal": lambda h: [
        assign_role.nothing_to_do_modal(an_incident(h), BOB, role, frozenset({Role.SCRIBE}))
        for role in (Role.SCRIBE, Role.LIAISON)
    ],
    # channel_events
    "channel_events.commander_added_back": lambda h: channel_events.commander_added_back(BOB, h),
    "channel_events.promoted": lambda h: channel_events.promoted(BOB),
    "channel_events.after_hours_notice": lambda h: channel_events.after_hours_notice(
        an_incident(h), h, 9, 17
    ),
    "channel_events.back_in_channel": lambda h: channel_events.back_in_channel(an_incident(h)),
    # close_reminders
    "close_reminders.reminder": lambda h: close_reminders.reminder(an_incident(h), timedelta(days=3), h),
    "close_reminders.closed": lambda h: close_reminders.closed(an_incident(h), ALICE),
    "close_reminders.already_closed": lambda h: close_reminders.already_closed(an_incident(h)),
    "close_reminders.not_stable_text": lambda h: close_reminders.not_stable_text(an_incident(h), h),
    "close_reminders.severity_text": lambda h: close_reminders.severity_text(an_incident(h), h),
    # daily_summary
    "daily_summary.summary": lambda h: [
        daily_summary.summary(
            date(2026, 5, 1), [an_incident(h, status=status) for status in Status for _ in range(30)], cases
        )
        for cases in (None, (3, 2))
    ],
    "daily_summary.incident_blocks": lambda h: daily_summary.incident_blocks(an_incident(h)),
    # documents: the Slack messages about documents
    "documents.review_ready": lambda h: documents.review_ready(an_incident(h), a_document(h)),
    "documents.executive_document_ready": lambda h: documents.executive_document_ready(
        an_incident(h), a_document(h)
    ),
    "documents.document_delayed": lambda h: [
        documents.document_delayed(a_document(h, ResourceStatus.FAILED), h, rate_limited=r)
        for r in (False, True)
    ],
    "documents.comment_task_assigned": lambda h: [
        documents.comment_task_assigned(an_incident(h), a_task(h), doc) for doc in (a_document(h), None)
    ],
    # feedback
    "feedback.feedback_request": lambda h: feedback.feedback_request(an_incident(h)),
    "feedback.feedback_thanks": lambda h: feedback.feedback_thanks(
        an_incident(h), feedback.FeedbackForm(h, h, True)
    ),
    "feedback.feedback_modal": lambda h: feedback.feedback_modal(
        an_incident(h), feedback.FeedbackForm("neutral", h, True), feedback.Surface("D1", "1.1")
    ),
    "feedback.digest": lambda h: feedback.digest(digest_entries(h) * 20, date(2026, 5, 1)),
    "feedback.shift_request": lambda h: [
        feedback.shift_request(a_shift(h), reminder=r) for r in (False, True)
    ],
    "feedback.shift_thanks": lambda h: feedback.shift_thanks(a_shift(h)),
    "feedback.shift_modal": lambda h: feedback.shift_modal(
        a_shift(h), feedback.ShiftFeedbackForm("none", 1.5, h, False), None
    ),
    # incident
    "incident.summary_fields": lambda h: incident.summary_fields(an_incident(h)),
    "incident.header_message": lambda h: incident.header_message(
        an_incident(h),
        incident.HeaderExtras(pages(h), [a_document(h), a_document(h, ResourceStatus.FAILED)]),
    ),
    "incident.page_line": lambda h: [incident.page_line(page) for page in pages(h)],
    "incident.welcome": lambda h: incident.welcome(an_incident(h)),
    "incident.help_tips": lambda h: incident.help_tips(an_incident(h), CommandSettings()),
    "incident.notification": lambda h: incident.notification(an_incident(h), event=h),
    "incident.change_message": lambda h: incident.change_message(an_update(h), ALICE),
    # join_subscribe
    **{
        f"join_subscribe.{name}": (lambda answer: lambda h: answer(an_incident(h)))(
            getattr(join_subscribe, name)
        )
        for name in (
            "joined",
            "already_in",
            "subscribed",
            "already_subscribed",
            "closed",
            "restricted",
            "not_ready",
            "invite_failed",
        )
    },
    # list_incidents
    "list_incidents.incident_line": lambda h: list_incidents.incident_line(an_incident(h)),
    "list_incidents.incident_list": lambda h: [
        list_incidents.incident_list([an_incident(h, status=s) for s in Status for _ in range(30)], 200, h),
        list_incidents.incident_list([], 0, h),
    ],
    "list_incidents.more_note": lambda h: list_incidents.more_note(12),
    # notifications_group
    "notifications_group.group_modal": lambda h: notifications_group.group_modal(
        an_incident(h), notifications_group.GroupForm([ALICE], [CHANNEL], [h])
    ),
    "notifications_group.saved_modal": lambda h: notifications_group.saved_modal(
        an_incident(h), notifications_group.GroupForm([ALICE], [CHANNEL], [h])
    ),
    # oncall
    "oncall.engage_modal": lambda h: oncall.engage_modal(an_incident(h), [a_service(h)] * 3),
    "oncall.engaging_modal": lambda h: oncall.engaging_modal(oncall.EngageForm(7, h, True)),
    "oncall.result_modal": lambda h: oncall.result_modal(escape(h)),
    "oncall.engaged_text": lambda h: oncall.engaged_text(BOB, h, paged=True),
    "oncall.already_engaged_text": lambda h: oncall.already_engaged_text(BOB, h, paged_user=CAROL),
    "oncall.provider_down_text": lambda h: oncall.provider_down_text(h, h),
    "oncall.unknown_email_text": lambda h: oncall.unknown_email_text(h, h),
    "oncall.service_gone_text": lambda h: oncall.service_gone_text(h),
    "oncall.page_failed_text": lambda h: oncall.page_failed_text(BOB, h, "opsgenie", h),
    "oncall.trouble_text": lambda h: [oncall.trouble_text(h, rate_limited=r) for r in (False, True)],
    "oncall.page_delayed": lambda h: [
        oncall.page_delayed(who, a_service(h), rate_limited=r)
        for who in (escape(h), mention(BOB))
        for r in (0, 1)
    ],
    "oncall.page_failed": lambda h: oncall.page_failed(escape(h), a_service(h), h),
    "oncall.page_delayed_note": lambda h: [
        oncall.page_delayed_note(h, rate_limited=r) for r in (False, True)
    ],
    "oncall.escalation_message": lambda h: oncall.escalation_message(escape(h), h, 20),
    # participants
    "participants.participant_list": lambda h: participants.participant_list(
        an_incident(h), [a_participant(h, frozenset({role})) for role in Role for _ in range(10)]
    ),
    "participants.update_participant_modal": lambda h: participants.update_participant_modal(
        an_incident(h), a_participant(h)
    ),
    "participants.reason_updated_modal": lambda h: participants.reason_updated_modal(
        an_incident(h), a_participant(h)
    ),
    # report_incident
    "report_incident.report_modal": lambda h: report_incident.report_modal(a_catalog(h), description=h),
    "report_incident.catalog_inputs": lambda h: report_incident.catalog_inputs(
        a_catalog(h), incident_type=h, severity=h, priority=h
    ),
    "report_incident.creating_modal": lambda h: report_incident.creating_modal(
        IncidentDraft(h, h, h, h, h, Visibility.OPEN)
    ),
    "report_incident.created_modal": lambda h: report_incident.created_modal(an_incident(h)),
    # reports
    "reports.tactical_modal": lambda h: reports.tactical_modal(an_incident(h), a_report(h), [a_task(h)] * 3),
    "reports.executive_modal": lambda h: reports.executive_modal(
        an_incident(h), a_report(h, ReportKind.EXECUTIVE), [CHANNEL, ALICE, BOB], h
    ),
    "reports.recipients_note": lambda h: [
        reports.recipients_note(t, h) for t in ([], [CHANNEL], [CHANNEL, ALICE])
    ],
    "reports.report_message": lambda h: [
        reports.report_message(an_incident(h), a_report(h, kind), copy=copy)
        for kind in ReportKind
        for copy in (0, 1)
    ],
    "reports.reminder_message": lambda h: reports.reminder_message(
        an_incident(h), ReportKind.EXECUTIVE, timedelta(hours=2), h
    ),
    "reports.snoozed_text": lambda h: reports.snoozed_text(30),
    "reports.nothing_to_snooze_text": lambda h: reports.nothing_to_snooze_text(
        an_incident(h), ReportKind.TACTICAL
    ),
    # run_failures
    "run_failures.run_failed_message": lambda h: run_failures.run_failed_message(h, escape(h), 9),
    "run_failures.retry_started_text": lambda h: run_failures.retry_started_text(h),
    # tasks
    "tasks.create_task_modal": lambda h: tasks.create_task_modal(an_incident(h), "Europe/Berlin", NOW, 4),
    "tasks.task_card": lambda h: [tasks.task_card(a_task(h, status)) for status in TaskStatus],
    "tasks.tasks_modal": lambda h: tasks.tasks_modal(
        h,
        escape(h),
        [a_task(h, status) for status in TaskStatus for _ in range(60)],
        changeable={3},
        references={7: h},
        scope="mine",
    ),
    "tasks.overdue_reminder": lambda h: [
        tasks.overdue_reminder(a_task(h, s), an_incident(h)) for s in TaskStatus
    ],
    "tasks.added_for_task": lambda h: tasks.added_for_task(an_incident(h), ALICE, h),
    "tasks.stay_for_tasks": lambda h: tasks.stay_for_tasks(an_incident(h), [a_task(h)] * 12),
    "tasks.people": lambda h: tasks.people([ALICE, h]),
    "tasks.status": lambda h: [tasks.status(a_task(h, s)) for s in TaskStatus],
    "tasks.when": lambda h: tasks.when(NOW),
    # timeline
    "timeline.add_event_modal": lambda h: timeline.add_event_modal(
        an_incident(h), timeline.parse_command_text(h), "Europe/Berlin", NOW
    ),
    "timeline.event_description": lambda h: timeline.event_description(timeline.EventForm(h, NOW, "UTC")),
    "timeline.confirmation": lambda h: timeline.confirmation(ALICE, timeline.EventForm(h, NOW, "UTC")),
    "timeline.captured_text": lambda h: timeline.captured_text(
        str(escape(h)) + " <!channel> <!everyone|everyone> <!subteam^S1> <@U0BOB002>", {BOB: h}
    ),
    "timeline.when": lambda h: timeline.when(NOW),
    "timeline.event_line": lambda h: [timeline.event_line(event) for event in events(h)],
    "timeline.timeline_modal": lambda h: timeline.timeline_modal(
        an_incident(h), events(h) * 20, page=None, page_size=40, hint=escape(h)
    ),
    # update_incident
    "update_incident.update_modal": lambda h: update_incident.update_modal(an_incident(h), a_catalog(h)),
    "update_incident.nothing_changed_modal": lambda h: update_incident.nothing_changed_modal(an_incident(h)),
    "update_incident.stable_message": lambda h: update_incident.stable_message(an_incident(h), ALICE, h),
    "update_incident.closing_message": lambda h: [
        update_incident.closing_message(an_incident(h), ALICE, archiving=a, command=h) for a in (False, True)
    ],
    "update_incident.reopened_message": lambda h: update_incident.reopened_message(an_incident(h), ALICE),
    "update_incident.unarchive_by_hand": lambda h: update_incident.unarchive_by_hand(an_incident(h)),
    # alerts: the alert message, its replies, storms, mapbox DMs
    **alert_samples.BUILDERS,
    **workflow_form_samples.BUILDERS,
    **workflow_run_samples.BUILDERS,
}

NOT_FOR_SLACK: dict[str, str] = {
    "common.clip": "shortens plain text",
    "common.state_value": "reads a submitted view",
    "common.picked_date": "reads a submitted view",
    "common.picked_time": "reads a submitted view",
    "assign_role.read_assign_role_form": "parser",
    "assign_role.incident_id_from": "parser",
    "close_reminders.days_text": "a duration in words, put into mrkdwn by the builders",
    "documents.folder_name": "a Google Drive name (plain text)",
    "documents.document_name": "a Google Docs name (plain text)",
    "documents.executive_kind": "a storage key",
    "documents.conversation_link": "a URL for a document",
    "documents.moment": "a time for a document",
    "documents.placeholders": "values for a Google Docs template (plain text)",
    "documents.report_placeholders": "values for a Google Docs template (plain text)",
    "documents.mentioned_users": "user ids to look up",
    "documents.timeline_text": "the timeline for a document (plain text; see test_mrkdwn)",
    "documents.plain_text": "mrkdwn made plain for a document (see test_mrkdwn)",
    "documents.comment_description": "a task description as stored",
    "documents.read_retry_value": "parser",
    "feedback.read_feedback_context": "parser",
    "feedback.read_feedback_form": "parser",
    "feedback.read_shift_context": "parser",
    "feedback.read_shift_form": "parser",
    "feedback.rating_label": "a label from our scale",
    "incident.topic": "a channel topic: plain text, Slack parses no mentions in it",
    "incident.purpose": "a channel purpose: plain text, Slack parses no mentions in it",
    "incident.money": "a number",
    "incident.header_block_id": "a block id",
    "notifications_group.read_group_form": "parser",
    "oncall.read_engage_form": "parser",
    "oncall.provider_label": "a label from our table",
    "participants.read_reason_form": "parser",
    "participants.role_labels": "labels of our roles",
    "report_incident.read_report_form": "parser",
    "report_incident.read_title": "parser",
    "report_incident.read_alert_id": "parser",
    "report_incident.read_case_id": "parser",
    "reports.read_report_form": "parser",
    "reports.read_report_value": "parser",
    "reports.read_snooze_value": "parser",
    "reports.report_value": "a button value",
    "reports.snooze_value": "an option value",
    "reports.a_report": "words from our enum",
    "reports.duration": "a duration in words",
    "tasks.read_form_context": "parser",
    "tasks.read_task_form": "parser",
    "tasks.card_marker": "a block id",
    "tasks.zone_or_utc": "a time zone",
    "timeline.parse_command_text": "parser",
    "timeline.read_event_form": "parser",
    "timeline.read_page_value": "parser",
    "timeline.format_utc": "a time",
    "timeline.mentioned_users": "user ids to look up",
    "timeline.zone_or_utc": "a time zone",
    "update_incident.read_update_form": "parser",
    **alert_samples.NOT_FOR_SLACK,
    **workflow_form_samples.NOT_FOR_SLACK,
    **workflow_run_samples.NOT_FOR_SLACK,
}


def public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function defined in a `dispatchbot.blocks` module (domain subpackages included), as
    "module.function" with the module's own name: feature stems are unique across domains."""
    found = {}
    for info in pkgutil.walk_packages(dispatchbot.blocks.__path__, "dispatchbot.blocks."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        stem = info.name.rsplit(".", 1)[-1]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{stem}.{name}"] = function
    return found


def test_every_builder_has_a_sample() -> None:
    functions = public_functions()
    assert set(functions) - BUILDERS.keys() - NOT_FOR_SLACK.keys() == set(), (
        "new blocks functions: add a hostile sample call to BUILDERS (or, if they build nothing for "
        "Slack, a reason to NOT_FOR_SLACK)"
    )
    assert (BUILDERS.keys() | NOT_FOR_SLACK.keys()) - set(functions) == set(), (
        "listed functions that are gone"
    )
    for name in NOT_FOR_SLACK:
        returns = str(inspect.signature(functions[name]).return_annotation)
        assert returns not in {"Message", "Mrkdwn", "dict[str, Any]"}, f"{name} builds for Slack: sample it"


# ------------------------------------------------------------------ the checks


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("builder", BUILDERS)
def test_builder_escapes_outside_text_and_stays_valid(builder: str, size: str) -> None:
    output = BUILDERS[builder](SIZES[size])
    found = list(_outputs(output))
    assert found, f"{builder} returned nothing to check"
    for kind, value in found:
        for where, text in _mrkdwn(kind, value):
            assert isinstance(text, Mrkdwn), f"{builder}: {where} is a raw str"
            assert unescaped(text) == [], f"{builder}: {where} has live markup: {text[:300]!r}"
        _check_valid(kind, value)


def test_hostile_text_is_shown_not_dropped() -> None:
    """The checks above would pass on empty output: the title must still be there, escaped."""
    text, blocks = incident.header_message(an_incident(HOSTILE))
    assert escape(HOSTILE) in text
    assert any(escape(HOSTILE) in t for _, t in _mrkdwn("blocks", blocks))
    assert blocks[0]["text"]["text"] == f"INC-7: {HOSTILE}"  # a header is plain_text: shown as typed


Output = tuple[str, Any]


def _outputs(output: Any) -> Iterator[Output]:
    """What a sample returned, by kind: a message, a view, blocks, one block, a text object, mrkdwn."""
    if isinstance(output, list) and output and not _is_block(output[0]):
        for item in output:
            yield from _outputs(item)
    elif isinstance(output, tuple):
        yield "message", output
    elif isinstance(output, str):
        yield "mrkdwn", output
    elif isinstance(output, list):
        yield "blocks", output
    elif output.get("type") in ("modal", "home"):
        yield "view", output
    elif "value" in output and "text" in output:
        yield "option", output
    elif output.get("type") == "plain_text":
        yield "plain_text", output
    else:
        yield "blocks", [output]


def _is_block(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") not in ("modal", "home")


def _mrkdwn(kind: str, value: Any) -> Iterator[tuple[str, str]]:
    """Every text Slack parses as mrkdwn in an output, with where it is."""
    if kind == "mrkdwn":
        yield "the text", value
        return
    if kind == "message":
        yield "the message text", value[0]
        value = value[1]
    yield from _mrkdwn_objects("blocks", value)


def _mrkdwn_objects(where: str, data: Any) -> Iterator[tuple[str, str]]:
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _mrkdwn_objects(f"{where}[{index}]", item)
    elif isinstance(data, dict):
        if data.get("type") == "mrkdwn":
            yield where, data["text"]
        for key, item in data.items():
            yield from _mrkdwn_objects(f"{where}.{key}", item)


def _check_valid(kind: str, value: Any) -> None:
    """Valid Block Kit within Slack's limits (tests/blocks/limits.py), whatever the output's kind (bare
    mrkdwn has no Block Kit to check)."""
    if kind == "message":
        valid_message(value)
    elif kind == "view":
        valid_view(value)
    elif kind == "blocks":  # checked as a modal's, which may hold the most: 100
        valid_view({"type": "modal", "title": {"type": "plain_text", "text": "Blocks"}, "blocks": value})
    elif kind == "option":
        assert problems({"type": "static_select", "options": [value]}) == []
    elif kind == "plain_text":
        assert problems({"type": "section", "text": value}) == []  # any text object: 1 to 3,000
