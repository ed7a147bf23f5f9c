"""The shared checker itself: it must see the limits slack_sdk's models leave to the Slack API."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError

from tests.blocks.limits import problems, valid_message, valid_view


def text(size: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": "x" * size}


OVER_THE_LIMIT = {
    "option text": {"type": "static_select", "options": [{"text": text(76), "value": "v"}]},
    "option value": {"type": "static_select", "options": [{"text": text(1), "value": "v" * 151}]},
    "field": {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]},
    "header": {"type": "header", "text": text(151)},
    "button": {"type": "button", "text": text(76), "action_id": "a"},
    "action_id": {"type": "button", "text": text(1), "action_id": "a" * 256},
    "placeholder": {"type": "plain_text_input", "placeholder": text(151)},
    "options": {"type": "static_select", "options": [{"text": text(1), "value": "v"}] * 101},
    "empty text": {"type": "section", "text": {"type": "mrkdwn", "text": ""}},
}


@pytest.mark.parametrize("data", OVER_THE_LIMIT.values(), ids=OVER_THE_LIMIT.keys())
def test_problems_names_a_limit_broken_anywhere(data: dict[str, Any]) -> None:
    assert problems([{"type": "actions", "elements": [data]}]) != []


def test_a_message_of_51_blocks_is_refused() -> None:
    with pytest.raises(AssertionError):
        valid_message(("text", [{"type": "divider"}] * 51))


def test_a_modal_title_of_25_characters_is_refused() -> None:
    with pytest.raises((AssertionError, SlackObjectFormationError)):
        valid_view({"type": "modal", "title": text(25), "blocks": [{"type": "divider"}]})
