"""What Join and Subscribe answer: one sentence each, naming the incident."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dispatchbot.blocks.incidents import join_subscribe
from dispatchbot.domain import Incident
from dispatchbot.mrkdwn import Mrkdwn
from tests.blocks import samples
from tests.blocks.samples import BOB, CHANNEL

ANSWERS: dict[str, tuple[Callable[[Incident], Mrkdwn], str]] = {
    "joined": (join_subscribe.joined, f":white_check_mark: You're in: <#{CHANNEL}> (INC-7)."),
    "already_in": (join_subscribe.already_in, f"You are already in <#{CHANNEL}> (INC-7)."),
    "subscribed": (join_subscribe.subscribed, ":bell: You will get a DM for every update of INC-7."),
    "already_subscribed": (join_subscribe.already_subscribed, "You are already subscribed to INC-7"),
    "closed": (join_subscribe.closed, "INC-7 is closed"),
    "restricted": (join_subscribe.restricted, f"its updates stay in <#{CHANNEL}>"),
    "not_ready": (join_subscribe.not_ready, "INC-7 is still being set up."),
    "invite_failed": (join_subscribe.invite_failed, f"ask <@{BOB}> to add you"),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_answer_names_the_incident(name: str) -> None:
    answer, expected = ANSWERS[name]
    text = answer(samples.incident())
    assert isinstance(text, Mrkdwn)
    assert expected in text
