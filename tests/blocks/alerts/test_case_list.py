"""Open cases as lists: the command's answer, the App Home section and the daily summary's line."""

from __future__ import annotations

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.blocks.alerts.case_list import LIST_SHOWN, case_activity, case_line, case_list, home_cases
from tests.blocks.alerts import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import ALICE, CHANNEL
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_a_line_says_what_the_case_is_who_has_it_and_links_to_it() -> None:
    case = samples.case(status=CaseStatus.TRIAGE, assignee=ALICE, alert_count=1234)
    assert case_line(case, samples.PERMALINK) == (
        "*CASE-3* · Disk 95% on db1\n:mag: Triage · Priority: Medium · Assignee: <@U0ALICE1> · "
        f"1,234 alerts · <{samples.PERMALINK}|open the case>"
    )


def test_without_a_permalink_the_line_names_the_channel() -> None:
    line = case_line(samples.case(alert_count=1), "")
    assert line.endswith(f"Assignee: nobody · 1 alert · in <#{CHANNEL}>")
    assert case_line(samples.case(channel="#triage"), "").endswith("in #triage")


def test_a_restricted_case_is_marked() -> None:
    assert case_line(samples.case(restricted=True), "").startswith("*CASE-3* :lock: · ")


def test_no_open_cases_says_so() -> None:
    message = case_list([], 0)
    blocks = valid_message(message)
    assert message[0] == "There are no open cases."
    assert "There are no open cases." in blocks[0]["text"]["text"]


def test_a_long_list_says_how_many_more() -> None:
    listed = [(samples.case(id=n), "") for n in range(LIST_SHOWN, 0, -1)]
    message = case_list(listed, 40)
    blocks = valid_message(message)
    assert message[0] == "40 open cases"
    assert blocks[0]["text"]["text"] == "Open cases"
    assert len(blocks) == LIST_SHOWN + 2
    assert mrkdwn(message)[-1] == "…and 15 more"


def test_the_home_section_is_empty_politely_and_points_to_the_command_when_full() -> None:
    assert mrkdwn(home_cases([], 0, "/dispatch-list-cases")) == [
        "You are not assigned to or taking part in any open case."
    ]
    texts = mrkdwn(home_cases([(samples.case(), "")] * 10, 12, "/dispatch-list-cases"))
    assert texts[-1] == "2 more not shown — `/dispatch-list-cases` lists them."


def test_the_summary_line() -> None:
    assert case_activity(3, 2) == "*Cases:* 3 new, 2 closed"


def test_typed_text_is_escaped() -> None:
    hostile = samples.case(title=HOSTILE, case_priority=HOSTILE, assignee=HOSTILE, channel=HOSTILE)
    shown_escaped(case_list([(hostile, ""), (hostile, HOSTILE)], 2))
