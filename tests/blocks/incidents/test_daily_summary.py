"""The daily summary: three sections within 50 blocks, shared out fairly when they do not all fit."""

from __future__ import annotations

from datetime import date

from dispatchbot.blocks.incidents import daily_summary
from dispatchbot.domain import Status
from dispatchbot.ids import ActionId
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

DAY = date(2026, 5, 1)


def test_one_incident_of_each_status() -> None:
    incidents = [samples.incident(id=n, status=status) for n, status in enumerate(Status, 1)]
    message = daily_summary.summary(DAY, incidents)
    blocks = valid_message(message)
    assert message[0] == "Daily incident summary for Friday 1 May 2026: 1 active, 1 stable, 1 closed"
    assert blocks[0]["text"]["text"] == "Daily incident summary · Friday 1 May 2026"
    assert not any("more" in text for text in mrkdwn(message))


def test_closed_incidents_have_no_buttons() -> None:
    open_blocks = daily_summary.incident_blocks(samples.incident())
    assert [b["action_id"] for b in open_blocks[1]["elements"]] == [
        ActionId.JOIN_INCIDENT,
        ActionId.SUBSCRIBE,
    ]
    assert len(daily_summary.incident_blocks(samples.incident(status=Status.CLOSED))) == 1


def test_sixty_of_each_fit_in_fifty_blocks_with_every_section_shown() -> None:
    incidents = [
        incident for status in Status for incident in samples.many(samples.incident, 60, status=status)
    ]
    message = daily_summary.summary(DAY, incidents)
    blocks = valid_message(message)
    assert len(blocks) <= 50
    titles = [text for text in mrkdwn(message) if text.startswith("*") and "(60)" in text]
    assert len(titles) == 3
    assert sum("more" in text for text in mrkdwn(message)) == 3


def test_a_busy_section_does_not_push_a_small_one_out() -> None:
    incidents = [*samples.many(samples.incident, 60), samples.incident(status=Status.CLOSED)]
    texts = mrkdwn(daily_summary.summary(DAY, incidents))
    assert "*Closed in the last 24 hours* (1)" in texts


def test_typed_text_is_escaped() -> None:
    shown_escaped(daily_summary.summary(DAY, [samples.incident(title=HOSTILE, priority=HOSTILE)]))


def test_the_channel_cases_of_the_day_are_one_line_first() -> None:
    message = daily_summary.summary(DAY, [samples.incident()], (3, 2))
    blocks = valid_message(message)
    assert message[0] == "Daily incident summary for Friday 1 May 2026: 1 active; cases: 3 new, 2 closed"
    assert blocks[1]["text"]["text"] == "*Cases:* 3 new, 2 closed"


def test_cases_alone_make_a_summary() -> None:
    message = daily_summary.summary(DAY, [], (0, 1))
    assert message[0] == "Daily incident summary for Friday 1 May 2026: cases: 0 new, 1 closed"
    assert len(valid_message(message)) == 2


def test_sixty_of_each_and_the_cases_line_fit_in_fifty_blocks() -> None:
    incidents = [
        incident for status in Status for incident in samples.many(samples.incident, 60, status=status)
    ]
    assert len(valid_message(daily_summary.summary(DAY, incidents, (1, 1)))) <= 50
