"""The close reminder DM, what it becomes once used, and the Close button's refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.blocks.incidents import close_reminders
from dispatchbot.domain import Status
from dispatchbot.ids import ActionId
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import ALICE
from tests.blocks.texts import shown_escaped
from tests.support.escaping import HOSTILE


@pytest.mark.parametrize(
    ("duration", "said"),
    [(timedelta(hours=5), "1 day"), (timedelta(days=1), "1 day"), (timedelta(days=3, hours=23), "3 days")],
)
def test_days_text_counts_whole_days_and_never_zero(duration: timedelta, said: str) -> None:
    assert close_reminders.days_text(duration) == said


def test_reminder_has_a_close_button_for_the_incident() -> None:
    message = close_reminders.reminder(samples.incident(id=12), timedelta(days=2), "/update")
    blocks = valid_message(message)
    assert message[0] == "INC-12 has been Stable for 2 days — close it?"
    button = blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (ActionId.CLOSE_INCIDENT, "12")


def test_after_use_the_reminder_says_who_closed_it() -> None:
    closed = close_reminders.closed(samples.incident(), ALICE)
    already = close_reminders.already_closed(samples.incident())
    valid_message(closed)
    valid_message(already)
    assert closed[0] == f"INC-7 was closed by <@{ALICE}>."
    assert already[0] == "INC-7 was already closed."


def test_typed_title_and_severity_are_escaped() -> None:
    hostile = samples.incident(title=HOSTILE, severity=HOSTILE, status=Status.ACTIVE)
    shown_escaped(close_reminders.reminder(hostile, timedelta(days=1), "/update"))
    shown_escaped(close_reminders.severity_text(hostile, "/update"))
    assert "INC-7 is Active again" in close_reminders.not_stable_text(hostile, "/update")
