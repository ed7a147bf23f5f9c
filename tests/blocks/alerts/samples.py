"""Alerts for the blocks tests, built directly and ordinary unless asked, and the hostile sample call of
every alerts builder that tests/blocks/test_escaping.py runs with the other builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from dispatchbot.alert_formats.model import MapboxMessage, MapboxRoute, Severity
from dispatchbot.alerting.cases import Case, CaseEntry, CaseStatus, ResolutionReason
from dispatchbot.alerting.model import Acknowledgement, Alert, AlertState, AuditEntry, Route
from dispatchbot.blocks.alerts import (
    alert_message,
    case_form,
    case_list,
    case_message,
    declare_from_alert,
    engagement,
    escalate_case,
    prompts,
    signal_list,
    snooze,
)
from dispatchbot.blocks.alerts.engagement import EngagementAnswer
from dispatchbot.config import SignalSettings
from dispatchbot.config.alerting import CasePrioritySettings, CaseTypeSettings
from tests.blocks.samples import ALICE, BOB, CHANNEL, NOW

SOURCE_URL = "https://prom.example/graph?g0.expr=up&g0.tab=1"
RUNBOOK_URL = "https://wiki.example/runbooks/disk-full"
PERMALINK = "https://slack.example/archives/C1/p1"
ENGAGEMENT = ("engaged", "confirmed", "denied", "unreachable")
"""The timeline lines of engagement (their detail: whom the bot asked, their context, why not)."""
CHANNEL_MOVE = ("channel_requested", "channel_created")
"""The timeline lines of *Create channel* (the second's detail: the old channel and message ts)."""


def alert(**changes: Any) -> Alert:
    """Alert 7: DiskFull on db1 from prometheus, critical, firing, seen once, nobody acting on it yet."""
    found = Alert(
        id=7,
        source="prometheus",
        dedup_key="1a30ba71cca2921f",
        format="alertmanager",
        signal="Disk full",
        route=Route.CHANNEL,
        state=AlertState.FIRING,
        severity=Severity.CRITICAL,
        title="Disk 95% on db1",
        description="The data volume of db1 is almost full.",
        labels={"alertname": "DiskFull", "instance": "db1"},
        source_url=SOURCE_URL,
        runbook_url=RUNBOOK_URL,
        count=1,
        first_seen_at=NOW,
        last_seen_at=NOW,
        channel=CHANNEL,
        users=(ALICE,),
        oncall_service="Database",
        alert_channels=("slack",),
    )
    return replace(found, **changes)


def acknowledged(by: str = ALICE, **changes: Any) -> Alert:
    """Acknowledged at NOW for 20 minutes (until 09:50 UTC)."""
    return alert(acknowledgement=Acknowledgement(by, NOW, NOW + timedelta(minutes=20)), **changes)


def mapbox_alert(**changes: Any) -> Alert:
    """A self-service message to Alice: "2FA was disabled", asking "Did you do this?"."""
    message = MapboxMessage(
        route=MapboxRoute.SELF_SERVICE,
        request_id="a1b2c3",
        message="2FA was disabled on your account.",
        prompt="Did you do this?",
        yes_label="Yes, me",
        no_label="No",
        yes_response="Thanks",
        no_response="Security paged",
    )
    mapbox = replace(message, **changes)
    return alert(
        route=Route.SELF_SERVICE, severity=Severity.WARNING, title="2FA disabled: alice", mapbox=mapbox
    )


def entry(**changes: Any) -> AuditEntry:
    return replace(AuditEntry(NOW, ALICE, "acknowledged", "until 09:50"), **changes)


def case(**changes: Any) -> Case:
    """Case 3: opened by the bot for alert 7 (Disk full), new, nobody assigned, seen once."""
    found = Case(
        id=3,
        title="Disk 95% on db1",
        description="The data volume of db1 is almost full.",
        status=CaseStatus.NEW,
        signal="Disk full",
        case_type="Infrastructure",
        case_priority="Medium",
        channel=CHANNEL,
        alert_count=1,
        created_at=NOW,
        last_alert_at=NOW,
        message_ts="1.000001",
    )
    return replace(found, **changes)


def closed_case(**changes: Any) -> Case:
    """Closed by Alice as a false positive."""
    closed = {
        "status": CaseStatus.CLOSED,
        "assignee": ALICE,
        "participants": (ALICE, BOB),
        "resolution_reason": ResolutionReason.FALSE_POSITIVE,
        "resolution": "A load test filled the disk.",
        "closed_at": NOW,
    }
    return case(**{**closed, **changes})


# ------------------------------------------------------------------ for tests/blocks/test_escaping.py


def hostile_alert(h: str, **changes: Any) -> Alert:
    """Every outside text hostile: title, description, labels (many), URLs, source, mapbox words."""
    labels = {f"{h}{n}": h for n in range(60)}
    mapbox = MapboxMessage(MapboxRoute.SELF_SERVICE, h, (), h, h, h[:75], h[:75], h, h)
    return alert(
        title=h,
        description=h,
        labels=labels,
        source=h,
        source_url=SOURCE_URL + h,
        runbook_url=RUNBOOK_URL + h,
        mapbox=mapbox,
        **changes,
    )


def hostile_signals(h: str, count: int) -> list[SignalSettings]:
    """`count` signals with hostile names, of every route, the case ones of a hostile case type."""
    routes = ["channel", "case", None, "page"]
    return [
        SignalSettings(name=f"{h}{n}"[:80], route=routes[n % 4], case_type=h[:60] if n % 4 == 1 else "")
        for n in range(count)
    ]


def hostile_case(h: str, **changes: Any) -> Case:
    """Every typed text hostile, and the people too many and not all Slack ids."""
    typed = ("title", "description", "case_type", "case_priority", "resolution", "assignee")
    people = (ALICE, h) * 50
    return case(**{**dict.fromkeys(typed, h), "participants": people, "alert_count": 12345, **changes})


def hostile_case_types(h: str) -> list[CaseTypeSettings]:
    """More than a select holds, each named hostile (configured names are outside text too)."""
    return [CaseTypeSettings(name=f"{h}{n}"[:60], channel=h) for n in range(120)]


def hostile_case_priorities(h: str) -> list[CasePrioritySettings]:
    return [CasePrioritySettings(name=f"{h}{n}"[:60], default=n == 3) for n in range(120)]


def every_case_state(h: str) -> list[Case]:
    """Each status, with a reason or without one."""
    return [
        hostile_case(h, status=status, resolution_reason=reason, incident_id=incident_id(status))
        for status in CaseStatus
        for reason in (None, ResolutionReason.MITIGATED)
    ]


def incident_id(status: CaseStatus) -> int | None:
    """The incident an escalated case became (a case is escalated exactly when it has one)."""
    return 7 if status is CaseStatus.ESCALATED else None


def every_state(h: str) -> list[Alert]:
    """Each state, acknowledged or not, with an incident or not, the severities taking turns."""
    ack = Acknowledgement(h, NOW, NOW)
    states = [(state, a, i) for state in AlertState for a in (None, ack) for i in (None, 3)]
    severities = list(Severity) * 3
    return [
        hostile_alert(h, state=state, acknowledgement=a, incident_id=i, severity=severities[n])
        for n, (state, a, i) in enumerate(states)
    ]


BUILDERS: dict[str, Callable[[str], Any]] = {
    "alert_message.alert_message": lambda h: [
        alert_message.alert_message(a, notified=[ALICE, h] * 50, incident_channel=c)
        for a in every_state(h)
        for c in (None, CHANNEL, h)
    ],
    "alert_message.source_link": lambda h: alert_message.source_link(hostile_alert(h)),
    "alert_message.realert_reply": lambda h: [
        alert_message.realert_reply(hostile_alert(h), [ALICE, h] * 40, worse=w) for w in (False, True)
    ],
    "alert_message.quiet_update_reply": lambda h: alert_message.quiet_update_reply(
        hostile_alert(h, acknowledgement=Acknowledgement(h, NOW, NOW))
    ),
    "alert_message.recovery_reply": lambda h: alert_message.recovery_reply(hostile_alert(h)),
    "alert_message.acknowledged_reply": lambda h: alert_message.acknowledged_reply(
        hostile_alert(h, acknowledgement=Acknowledgement(h, NOW, NOW)), h
    ),
    "alert_message.ack_cancelled_reply": lambda h: alert_message.ack_cancelled_reply(hostile_alert(h), h),
    "alert_message.declared_reply": lambda h: alert_message.declared_reply(hostile_alert(h), h),
    "alert_message.label_line": lambda h: alert_message.label_line(hostile_alert(h)),
    "alert_message.audit_trail": lambda h: alert_message.audit_trail(
        [AuditEntry(NOW, actor, h, h) for actor in (ALICE, h, "source:" + h)] * 30
    ),
    "alert_message.storm_message": lambda h: [
        alert_message.storm_message(every_state(h), total) for total in (1, 10_000)
    ],
    "alert_message.storm_realert": lambda h: [
        alert_message.storm_realert(every_state(h), total, people)
        for total in (1, 10_000)
        for people in ([], [ALICE, h] * 50)
    ],
    "case_message.case_message": lambda h: [
        case_message.case_message(c, incident_channel=i, own_channel=own)
        for c in every_case_state(h)
        for i in (None, CHANNEL, h)
        for own in (False, True)
    ],
    "case_message.case_moved": lambda h: [
        case_message.case_moved(hostile_case(h), where) for where in (CHANNEL, h)
    ],
    "case_message.resolve_modal": lambda h: case_message.resolve_modal(hostile_case(h)),
    "case_message.payload_reply": lambda h: case_message.payload_reply(
        h, h, {h: h, "labels": {h: [h] * 20}, "count": 3}
    ),
    "case_message.case_event_reply": lambda h: [
        case_message.case_event_reply(CaseEntry(NOW, actor, action, h), hostile_case(h))
        for actor in (ALICE, h, "dispatchbot")
        for action in (
            "opened",
            "triaged",
            "resolved",
            "reopened",
            "edited",
            "assigned",
            h,
            *ENGAGEMENT,
            *CHANNEL_MOVE,
        )
    ],
    "engagement.engagement_prompt": lambda h: [
        engagement.engagement_prompt(c, channel)
        for c in (hostile_case(h), hostile_case(h, description=""))
        for channel in (CHANNEL, h)
    ],
    "engagement.engagement_answered": lambda h: [
        engagement.engagement_answered(hostile_case(h), EngagementAnswer(3, confirmed, said, h, h))
        for confirmed in (True, False)
        for said in ("", h)
    ],
    "engagement.answer_modal": lambda h: [
        engagement.answer_modal(hostile_case(h), confirmed=confirmed, prompt_channel=h, prompt_ts=h)
        for confirmed in (True, False)
    ],
    "case_form.create_case_modal": lambda h: [
        case_form.create_case_modal(
            hostile_case_types(h), hostile_case_priorities(h), channel_id=c, description=h * 3, oncall=o
        )
        for c in (None, CHANNEL, h)
        for o in (None, case_form.OnCall(ALICE, h), case_form.OnCall(h, h))
    ],
    "case_form.edit_case_modal": lambda h: [
        case_form.edit_case_modal(c, hostile_case_types(h), hostile_case_priorities(h))
        for c in every_case_state(h)
    ],
    "case_list.case_line": lambda h: [
        case_list.case_line(hostile_case(h, restricted=r), link) for r in (False, True) for link in ("", h)
    ],
    "case_list.case_list": lambda h: [
        case_list.case_list(
            [(c, link) for c in every_case_state(h) for link in ("", h, PERMALINK + h)], total
        )
        for total in (30, 10_000)
    ],
    "case_list.home_cases": lambda h: [
        case_list.home_cases([(hostile_case(h, channel=h), PERMALINK + h)] * 10, total, h)
        for total in (10, 99)
    ],
    "case_list.case_activity": lambda h: case_list.case_activity(12_345, 0),
    "escalate_case.copied_event": lambda h: [
        escalate_case.copied_event(CaseEntry(NOW, actor, action, h), hostile_case(h))
        for actor in (ALICE, h)
        for action in ("escalated", h)
    ],
    "declare_from_alert.alert_details": lambda h: [
        declare_from_alert.alert_details(a, link) for a in every_state(h) for link in (None, h, PERMALINK + h)
    ],
    "declare_from_alert.declared_event": lambda h: declare_from_alert.declared_event(hostile_alert(h)),
    "declare_from_alert.recovered_line": lambda h: declare_from_alert.recovered_line(hostile_alert(h)),
    "prompts.broadcast_dm": lambda h: prompts.broadcast_dm(hostile_alert(h)),
    "prompts.self_service_message": lambda h: prompts.self_service_message(hostile_alert(h)),
    "prompts.nag_dm": lambda h: prompts.nag_dm(hostile_alert(h)),
    "prompts.self_service_prompt": lambda h: prompts.self_service_prompt(hostile_alert(h)),
    "prompts.prompt_answered": lambda h: prompts.prompt_answered(hostile_alert(h), h),
    "prompts.fallback_note": lambda h: prompts.fallback_note(hostile_alert(h), h, h),
    "snooze.snooze_modal": lambda h: [
        snooze.snooze_modal(h, entities, case_id)
        for entities in ({}, {h: h}, {f"{h}{n}": h for n in range(20)})
        for case_id in (None, 3)
    ],
    "snooze.snooze_ended_note": lambda h: snooze.snooze_ended_note(h * 3),
    "signal_list.signal_list": lambda h: [
        signal_list.signal_list(signals, {h: NOW, "x": NOW}, channel, page)
        for signals in ([], hostile_signals(h, 3), hostile_signals(h, 60))
        for channel in (CHANNEL, h)
        for page in (0, 1, 99)
    ],
    "snooze.snoozed_note": lambda h: [snooze.snoozed_note(user, h * 3) for user in (ALICE, h)],
}

NOT_FOR_SLACK: dict[str, str] = {
    "case_form.read_case_form": "parser",
    "case_form.read_channel": "parser",
    "case_form.read_edited_case": "parser",
    "case_form.edit_detail": "plain words for the timeline, escaped where shown",
    "case_message.read_resolve_form": "parser",
    "case_message.case_marker": "a block id made of a number",
    "case_message.payload_marker": "a block id made of a number",
    "engagement.read_answer_form": "parser",
    "snooze.read_snooze_form": "parser",
    "signal_list.read_page": "parser",
    "signal_list.read_snooze_button": "parser",
    "snooze.snooze_detail": "plain words for the timeline, escaped where shown",
    "alert_message.seen_times": "a count in words",
    "prompts.answer_text": "plain words for prompt_answered, which escapes them",
    "declare_from_alert.incident_severity_name": "a severity name from our table",
    "declare_from_alert.incident_description": "plain text for a form input (see its tests)",
    "escalate_case.incident_title": "plain text for a form input",
    "escalate_case.incident_description": "plain text for a form input (see its tests)",
}
