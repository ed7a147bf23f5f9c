"""mapbox DMs: broadcast, self-service message and prompt, the answered prompt, nags, fallback notes."""

from __future__ import annotations

from typing import Any

import pytest

from dispatchbot.alert_formats.model import MapboxRoute
from dispatchbot.blocks.alerts import prompts
from dispatchbot.blocks.common import Message
from dispatchbot.ids import ActionId
from tests.blocks.alerts import samples
from tests.blocks.limits import valid_message
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(block["type"] == "actions" for block in blocks)


@pytest.mark.parametrize("builder", [prompts.broadcast_dm, prompts.self_service_message])
def test_the_message_dm_has_no_buttons(builder: Any) -> None:
    text, blocks = builder(samples.mapbox_alert())
    valid_message((text, blocks))
    assert text == "2FA was disabled on your account."
    assert blocks[0]["text"]["text"] == "2FA was disabled on your account."
    assert blocks[1]["elements"][0]["text"].endswith("|prometheus>: 2FA disabled: alice")
    assert not has_buttons(blocks)


def test_without_a_message_the_title_is_sent() -> None:
    assert prompts.broadcast_dm(samples.mapbox_alert(message=""))[0] == "2FA disabled: alice"
    assert prompts.broadcast_dm(samples.alert())[0] == "Disk 95% on db1"


def test_the_prompt_has_the_messages_own_buttons() -> None:
    text, blocks = prompts.self_service_prompt(samples.mapbox_alert())
    valid_message((text, blocks))
    assert text == "Did you do this?"
    assert [(e["text"]["text"], e["action_id"], e["value"]) for e in blocks[1]["elements"]] == [
        ("Yes, me", ActionId.ALERT_PROMPT_YES, "7"),
        ("No", ActionId.ALERT_PROMPT_NO, "7"),
    ]


def test_a_prompt_without_words_has_defaults() -> None:
    text, blocks = prompts.self_service_prompt(samples.mapbox_alert(prompt="", yes_label="", no_label=""))
    assert text == prompts.DEFAULT_PROMPT
    assert [e["text"]["text"] for e in blocks[1]["elements"]] == ["Yes", "No"]


def test_an_answered_prompt_keeps_the_question_and_drops_the_buttons() -> None:
    alert = samples.mapbox_alert()
    assert prompts.answer_text(alert, yes=True) == "Yes, me — Thanks"
    assert prompts.answer_text(alert, yes=False) == "No — Security paged"
    text, blocks = prompts.prompt_answered(alert, prompts.answer_text(alert, yes=True))
    valid_message((text, blocks))
    assert text == ":ballot_box_with_check: You answered: Yes, me — Thanks"
    assert blocks[0]["text"]["text"] == "Did you do this?"
    assert not has_buttons(blocks)


def test_a_fallback_note_carries_the_message_never_the_prompt() -> None:
    alert = samples.mapbox_alert()
    text, blocks = prompts.fallback_note(alert, "alice@example.com", "no Slack user has that email")
    valid_message((text, blocks))
    assert text == ":warning: Could not reach alice@example.com in Slack: no Slack user has that email"
    assert blocks[1]["text"]["text"] == "2FA was disabled on your account."
    assert not has_buttons(blocks)
    assert all("Did you do this?" not in line for line in mrkdwn((text, blocks)))


def test_a_fallback_note_for_an_id_does_not_mention_it() -> None:
    text, _ = prompts.fallback_note(samples.mapbox_alert(), "U0ALICE1", "account deactivated")
    assert "<@" not in text


def test_a_nag_says_how_often() -> None:
    text, blocks = prompts.nag_dm(samples.mapbox_alert(route=MapboxRoute.NAG))
    valid_message((text, blocks))
    assert text == ":bell: Reminder (seen once): 2FA was disabled on your account."
    assert not has_buttons(blocks)


@pytest.mark.parametrize("size", [1, 60])
def test_hostile_mapbox_words_are_escaped_and_valid(size: int) -> None:
    hostile = HOSTILE * size
    alert = samples.mapbox_alert(message=hostile, prompt=hostile, yes_label=hostile, no_label=hostile)
    messages: list[Message] = [
        prompts.broadcast_dm(alert),
        prompts.self_service_message(alert),
        prompts.self_service_prompt(alert),
        prompts.prompt_answered(alert, prompts.answer_text(alert, yes=False)),
        prompts.fallback_note(alert, hostile, hostile),
        prompts.nag_dm(alert),
    ]
    for message in messages:
        valid_message(message)
        shown_escaped(message, HOSTILE)
