"""Tactical and executive reports: modals and parser, the report message, the reminder DM and values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.blocks.reports import reports
from dispatchbot.blocks.reports.reports import FIELD_LIMIT, FIELDS
from dispatchbot.domain import ReportKind
from dispatchbot.errors import NotFound
from dispatchbot.ids import ActionId, BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CHANNEL, LONG_TEXT
from tests.blocks.state import elements, refused, typed, values
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def initial_values(view: dict[str, object]) -> dict[str, str]:
    return {block_id: element.get("initial_value", "") for block_id, element in elements(view).items()}


def test_tactical_modal_lists_open_tasks_as_actions_until_some_are_written() -> None:
    open_and_resolved = [samples.task(description="Roll back"), samples.resolved_task(description="Page DBA")]
    first = valid_view(reports.tactical_modal(samples.incident(), None, open_and_resolved))
    assert initial_values(first) == {
        BlockId.CONDITIONS: "",
        BlockId.ACTIONS: "• Roll back",
        BlockId.NEEDS: "",
    }
    previous = samples.report(conditions="Bad", actions="Rolling back")
    again = reports.tactical_modal(samples.incident(), previous, open_and_resolved)
    assert initial_values(again)[BlockId.ACTIONS] == "Rolling back"


def test_executive_modal_at_the_longest_says_who_receives_it() -> None:
    previous = samples.report(
        ReportKind.EXECUTIVE, **dict.fromkeys(("current_status", "overview"), "x" * FIELD_LIMIT)
    )
    view = valid_view(reports.executive_modal(samples.incident(), previous, [CHANNEL, ALICE, BOB], "/group"))
    assert mrkdwn(view)[0].startswith(f"Sent to <#{CHANNEL}>, <@{ALICE}> and <@{BOB}>, and posted")
    assert view["submit"]["text"] == "Send"


@pytest.mark.parametrize(
    ("targets", "starts"),
    [([], "Posted in the incident channel only"), ([ALICE], f"Sent to <@{ALICE}>, and posted")],
)
def test_recipients_note(targets: list[str], starts: str) -> None:
    assert reports.recipients_note(targets, "/group").startswith(starts)


@pytest.mark.parametrize("kind", list(ReportKind))
def test_parser_reads_each_field_and_leaves_optional_ones_empty(kind: ReportKind) -> None:
    required, second, optional = FIELDS[kind]
    details = reports.read_report_form(
        kind, values(**{required.block_id: typed(" a "), second.block_id: typed("b")})
    )
    assert details == {required.key: "a", second.key: "b", optional.key: ""}


@pytest.mark.parametrize("kind", list(ReportKind))
def test_parser_names_missing_and_overlong_fields(kind: ReportKind) -> None:
    required, second, optional = FIELDS[kind]
    submitted = values(
        **{second.block_id: typed("x" * (FIELD_LIMIT + 1)), optional.block_id: typed(LONG_TEXT)}
    )
    assert set(refused(lambda: reports.read_report_form(kind, submitted))) == {
        required.block_id,
        second.block_id,
        optional.block_id,
    }


@pytest.mark.parametrize("copy", [False, True])
@pytest.mark.parametrize("kind", list(ReportKind))
def test_report_message_at_the_longest(kind: ReportKind, copy: bool) -> None:
    first, *rest = FIELDS[kind]
    longest = samples.report(kind, **{first.key: "x" * FIELD_LIMIT})
    message = reports.report_message(samples.incident(title="t" * 150), longest, copy=copy)
    valid_message(message)
    assert message[0] == f"{kind.label} for INC-7 by <@{ALICE}>"
    assert mrkdwn(message)[-2] == f"*{rest[-1].label}*\n_Nothing stated._"
    assert ("the incident's channel is" in mrkdwn(message)[-1]) is copy


def test_reminder_offers_to_write_now_or_later() -> None:
    message = reports.reminder_message(samples.incident(), ReportKind.EXECUTIVE, timedelta(hours=2), "/exec")
    text, blocks = message
    valid_message(message)
    assert text == "It's time for an executive report on INC-7"
    button, snooze = blocks[1]["elements"]
    assert (button["action_id"], button["value"]) == (ActionId.WRITE_REPORT, "executive:7")
    assert [o["value"] for o in snooze["options"]] == ["executive:7:30", "executive:7:60", "executive:7:120"]
    assert [o["text"]["text"] for o in snooze["options"]] == ["30 minutes", "1 hour", "2 hours"]


def test_values_are_read_back_and_tampered_ones_refused() -> None:
    assert reports.read_report_value(reports.report_value(ReportKind.TACTICAL, 7)) == (ReportKind.TACTICAL, 7)
    assert reports.read_snooze_value(reports.snooze_value(ReportKind.TACTICAL, 7, 60)) == (
        ReportKind.TACTICAL,
        7,
        60,
    )
    for read, value in (
        (reports.read_report_value, "weekly:7"),
        (reports.read_report_value, "tactical:x"),
        (reports.read_report_value, "tactical:7:60"),
        (reports.read_snooze_value, "tactical:7:45"),
    ):
        with pytest.raises(NotFound):
            read(value)


def test_words_for_durations_and_kinds() -> None:
    assert reports.duration(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert reports.duration(timedelta(0)) == "0 minutes"
    assert reports.a_report(ReportKind.TACTICAL) == "a tactical report"
    assert reports.snoozed_text(120) == "I'll remind you again in 2 hours."
    assert "no executive report reminder for INC-7" in reports.nothing_to_snooze_text(
        samples.incident(), ReportKind.EXECUTIVE
    )


def test_typed_text_is_escaped() -> None:
    hostile = samples.incident(title=HOSTILE, priority=HOSTILE)
    shown_escaped(reports.report_message(hostile, samples.report(conditions=HOSTILE), copy=True))
    shown_escaped(reports.reminder_message(hostile, ReportKind.TACTICAL, timedelta(hours=1), "/t"))
