"""Feedback: the incident request DM, its modal, parser and thanks, the digest, and shift feedback."""

from __future__ import annotations

from datetime import date

import pytest

from dispatchbot.blocks.feedback import feedback
from dispatchbot.blocks.feedback.feedback import DigestEntry, FeedbackForm, ShiftFeedbackForm, Surface
from dispatchbot.ids import ActionId, BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, LONG_TEXT
from tests.blocks.state import checked, chosen, elements, refused, typed, values
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

SURFACE = Surface("D0DM", "1.000002")


def test_request_and_thanks_carry_the_incident_on_their_button() -> None:
    for message in (
        feedback.feedback_request(samples.incident(id=12)),
        feedback.feedback_thanks(samples.incident(id=12), FeedbackForm("neutral", "", True)),
    ):
        button = valid_message(message)[-1]["elements"][0]
        assert (button["action_id"], button["value"]) == (ActionId.PROVIDE_FEEDBACK, "12")
    thanks = feedback.feedback_thanks(samples.incident(), FeedbackForm("neutral", "", True))
    assert "You rated it *Neither satisfied nor dissatisfied*, shared anonymously." in mrkdwn(thanks)[1]


def test_a_new_modal_is_empty_and_an_answered_one_prefilled() -> None:
    empty = valid_view(feedback.feedback_modal(samples.incident(), None, None))
    assert feedback.read_feedback_context(empty["private_metadata"]) == (7, None)
    assert "initial_option" not in elements(empty)[BlockId.RATING]
    previous = FeedbackForm("very_satisfied", "x" * 3000, True)
    answered = valid_view(feedback.feedback_modal(samples.incident(title=LONG_TEXT), previous, SURFACE))
    assert feedback.read_feedback_context(answered["private_metadata"]) == (7, SURFACE)
    assert elements(answered)[BlockId.RATING]["initial_option"]["value"] == "very_satisfied"
    assert elements(answered)[BlockId.ANONYMOUS]["initial_options"][0]["value"] == "anonymous"


def test_feedback_parser() -> None:
    submitted = values(rating=chosen("neutral"), feedback=typed(" ok "), anonymous=checked("anonymous"))
    assert feedback.read_feedback_form(submitted) == FeedbackForm("neutral", "ok", True)
    named = values(rating=chosen("neutral"), feedback=None, anonymous=None)
    assert feedback.read_feedback_form(named) == FeedbackForm("neutral", "", False)
    wrong = values(rating=chosen("great"), feedback=typed("x" * 3001))
    assert set(refused(lambda: feedback.read_feedback_form(wrong))) == {BlockId.RATING, BlockId.FEEDBACK}


def test_digest_of_sixty_answers_fits_and_hides_anonymous_names() -> None:
    entries = [
        DigestEntry(samples.incident(title=LONG_TEXT), "very_satisfied", LONG_TEXT, ALICE),
        DigestEntry(samples.incident(), "custom", "", None),
    ] * 30
    message = feedback.digest(entries, date(2026, 5, 1))
    blocks = valid_message(message)
    assert len(blocks) == 50
    assert message[0] == "Incident feedback for 2026-05-01: 60 answers on incidents you commanded"
    texts = mrkdwn(message)
    assert texts[3].endswith("*Rating:* custom\n*Feedback:* _No comment._\n*From:* Anonymous")
    assert texts[-1] == "…and 13 more not shown."


def test_a_digest_entry_always_says_who_answered() -> None:
    """Even feedback that escaping makes longer leaves room for its author (a bug once clipped it)."""
    entry = DigestEntry(samples.incident(title="<" * 200), "neutral", "<&>" * 500, ALICE)
    message = feedback.digest([entry], date(2026, 5, 1))
    valid_message(message)
    assert mrkdwn(message)[-1].endswith(f"…\n*From:* <@{ALICE}>")


@pytest.mark.parametrize("reminder", [False, True])
def test_shift_request_and_thanks(reminder: bool) -> None:
    message = feedback.shift_request(samples.shift(), reminder=reminder)
    button = valid_message(message)[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (ActionId.PROVIDE_SHIFT_FEEDBACK, "4")
    assert message[0].startswith("Reminder: ") is reminder
    assert "your on-call shift for *Payments*" in mrkdwn(feedback.shift_thanks(samples.shift()))[1]


def test_shift_modal_new_and_answered() -> None:
    empty = valid_view(feedback.shift_modal(samples.shift(), None, None))
    assert feedback.read_shift_context(empty["private_metadata"]) == (4, None)
    assert mrkdwn(empty)[0].startswith("Your on-call shift for *Payments*: ")
    assert mrkdwn(empty)[0].endswith("(12 hours).")
    answered = valid_view(
        feedback.shift_modal(samples.shift(), ShiftFeedbackForm("lots", 1.5, "x", False), SURFACE)
    )
    assert elements(answered)[BlockId.HOURS]["initial_value"] == "1.5"
    assert feedback.read_shift_context(answered["private_metadata"]) == (4, SURFACE)


@pytest.mark.parametrize(("typed_hours", "hours"), [("2", 2.0), ("1,5", 1.5), (" 0 ", 0.0), ("12", 12.0)])
def test_shift_parser_reads_hours_as_people_type_them(typed_hours: str, hours: float) -> None:
    submitted = values(effort=chosen("little"), hours=typed(typed_hours), feedback=typed(""))
    assert feedback.read_shift_form(submitted, 12) == ShiftFeedbackForm("little", hours, "", False)


@pytest.mark.parametrize("typed_hours", ["", "many", "-1", "12.5", "nan", "inf"])
def test_shift_parser_refuses_hours_outside_the_shift(typed_hours: str) -> None:
    submitted = values(effort=chosen("none"), hours=typed(typed_hours))
    assert set(refused(lambda: feedback.read_shift_form(submitted, 12))) == {BlockId.HOURS}


def test_shift_parser_names_every_field_to_fix() -> None:
    submitted = values(effort=chosen("heroic"), hours=typed("x"), feedback=typed("x" * 3001))
    assert set(refused(lambda: feedback.read_shift_form(submitted, 12))) == {
        BlockId.EFFORT,
        BlockId.HOURS,
        BlockId.FEEDBACK,
    }


def test_typed_text_is_escaped() -> None:
    incident = samples.incident(title=HOSTILE)
    shift = samples.shift(service=HOSTILE)
    shown_escaped(feedback.feedback_request(incident))
    shown_escaped(feedback.digest([DigestEntry(incident, HOSTILE, HOSTILE, None)], date(2026, 5, 1)))
    shown_escaped(feedback.shift_request(shift, reminder=True))
    shown_escaped(valid_view(feedback.shift_modal(shift, None, None))["blocks"])
    assert feedback.rating_label("very_dissatisfied") == "Very dissatisfied"
