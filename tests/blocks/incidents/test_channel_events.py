"""What the bot says in an incident channel when people join, leave and post."""

from __future__ import annotations

from dispatchbot.blocks.incidents import channel_events
from dispatchbot.domain import Status
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import BOB
from tests.blocks.texts import shown_escaped
from tests.support.escaping import HOSTILE


def test_commander_added_back_says_how_to_hand_over() -> None:
    message = channel_events.commander_added_back(BOB, "/assign")
    valid_message(message)
    text = message[0]
    assert text.startswith(f"<@{BOB}> was added back.")
    assert "hand over with /assign first" in text


def test_promoted_names_the_person() -> None:
    message = channel_events.promoted(BOB)
    valid_message(message)
    assert message[0].startswith(f"<@{BOB}> is now a Participant")


def test_after_hours_notice_shows_the_hours_and_escapes_the_priority() -> None:
    notice = channel_events.after_hours_notice(samples.incident(priority=HOSTILE), "Europe/Berlin", 9, 17)
    assert "weekdays 09:00 to 17:00, Europe/Berlin time" in notice
    shown_escaped(notice)


def test_back_in_channel_says_the_status() -> None:
    message = channel_events.back_in_channel(samples.incident(status=Status.STABLE))
    blocks = valid_message(message)
    assert "*INC-7* is stable again" in blocks[0]["text"]["text"]
