"""Engagement's blocks: the question to the person an alert is about, the form for their context, the
prompt once answered, and the lines the case's thread says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dispatchbot.alerting.cases import CaseEntry
from dispatchbot.blocks.alerts.case_message import case_event_reply
from dispatchbot.blocks.alerts.engagement import (
    EngagementAnswer,
    answer_modal,
    engagement_answered,
    engagement_prompt,
    read_answer_form,
)
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import ActionId, BlockId, CallbackId
from tests.blocks.alerts import samples
from tests.blocks.alerts.test_alert_message import actions
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, CHANNEL, NOW
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_the_prompt_says_what_where_and_asks() -> None:
    text, blocks = message = engagement_prompt(samples.case(), CHANNEL)
    valid_message(message)
    assert text == "CASE-3: Disk 95% on db1 · was this you?"
    said = mrkdwn(blocks)
    assert said[0] == ":wave: An alert about you opened *CASE-3* · Disk 95% on db1"
    assert said[1] == "The data volume of db1 is almost full."
    assert f"Discussed in <#{CHANNEL}>." in said
    assert actions(blocks) == [
        ("Confirm", ActionId.CONFIRM_ENGAGEMENT, "3"),
        ("Deny", ActionId.DENY_ENGAGEMENT, "3"),
    ]


def test_the_prompt_escapes_what_the_alert_said() -> None:
    message = engagement_prompt(samples.case(title=HOSTILE, description=HOSTILE * 200), CHANNEL)
    valid_message(message)
    shown_escaped(message)
    assert "<" not in message[0]


@pytest.mark.parametrize(
    ("confirmed", "context", "said"),
    [
        (True, "", ":ballot_box_with_check: You confirmed CASE-3."),
        (True, "my deploy", ":ballot_box_with_check: You confirmed CASE-3. You said: my deploy"),
        (
            False,
            "not me",
            ":ballot_box_with_check: You denied CASE-3: the team looks at it. You said: not me",
        ),
    ],
)
def test_the_answered_prompt_drops_its_buttons(confirmed: bool, context: str, said: str) -> None:
    text, blocks = message = engagement_answered(samples.case(), EngagementAnswer(3, confirmed, context))
    valid_message(message)
    assert text == said
    assert actions(blocks) == []
    assert mrkdwn(blocks)[-1] == said


def submitted(view: dict[str, Any], context: str) -> dict[str, Any]:
    value = {"type": "plain_text_input", "value": context or None}
    return {**view, "state": {"values": {BlockId.CONTEXT.value: {BlockId.CONTEXT.value: value}}}}


def test_the_confirm_form_takes_optional_context_and_reads_back() -> None:
    view = valid_view(
        answer_modal(samples.case(title=HOSTILE), confirmed=True, prompt_channel="D1", prompt_ts="1.2")
    )
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (
        CallbackId.ANSWER_ENGAGEMENT,
        "Confirm",
        "Confirm",
    )
    shown_escaped(view["blocks"])
    (context,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert context["optional"] is True
    assert read_answer_form(submitted(view, "")) == EngagementAnswer(3, True, "", "D1", "1.2")
    assert read_answer_form(submitted(view, "  my deploy ")).context == "my deploy"


def test_the_deny_form_needs_context() -> None:
    view = valid_view(answer_modal(samples.case(), confirmed=False))
    (context,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert context["optional"] is False
    with pytest.raises(InvalidForm) as raised:
        read_answer_form(submitted(view, "   "))
    assert set(raised.value.errors) == {BlockId.CONTEXT.value}
    assert read_answer_form(submitted(view, "not me")) == EngagementAnswer(3, False, "not me")


@pytest.mark.parametrize("metadata", ["", "3", "{}", '{"case": "x", "confirmed": true}', "[1]"])
def test_a_tampered_form_reads_as_a_missing_case(metadata: str) -> None:
    view = {**submitted(answer_modal(samples.case(), confirmed=True), "x"), "private_metadata": metadata}
    with pytest.raises(NotFound):
        read_answer_form(view)


def test_only_a_literal_true_confirms() -> None:
    view = submitted(answer_modal(samples.case(), confirmed=True), "")
    view["private_metadata"] = json.dumps({"case": 3, "confirmed": "yes"})
    with pytest.raises(InvalidForm):  # read as a denial, which needs context
        read_answer_form(view)


@pytest.mark.parametrize(
    ("actor", "action", "detail", "said"),
    [
        (
            "dispatchbot",
            "engaged",
            ALICE,
            f":speech_balloon: dispatchbot asked <@{ALICE}> to confirm or deny CASE-3",
        ),
        (ALICE, "confirmed", "my deploy", f":white_check_mark: <@{ALICE}> confirmed CASE-3: my deploy"),
        (ALICE, "confirmed", "", f":white_check_mark: <@{ALICE}> confirmed CASE-3"),
        (ALICE, "denied", "not me", f":x: <@{ALICE}> denied CASE-3: not me"),
        (
            "dispatchbot",
            "unreachable",
            "bob@example.com: not a Slack user",
            ":warning: dispatchbot could not reach bob@example.com: not a Slack user",
        ),
    ],
)
def test_the_thread_lines(actor: str, action: str, detail: str, said: str) -> None:
    message = case_event_reply(CaseEntry(NOW, actor, action, detail), samples.case())
    valid_message(message)
    assert message[0] == said


def test_whom_an_alert_named_is_shown_as_text_unless_it_is_an_id() -> None:
    for action in ("engaged", "unreachable"):
        message = case_event_reply(CaseEntry(NOW, "dispatchbot", action, HOSTILE), samples.case())
        shown_escaped(message, "<!channel> <!here>")  # clipped to a name's length
