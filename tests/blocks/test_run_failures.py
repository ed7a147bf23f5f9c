"""The message that a request could not be finished, with its Retry button."""

from __future__ import annotations

from dispatchbot.blocks import run_failures
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, escape
from tests.blocks.limits import valid_message
from tests.blocks.texts import shown_escaped
from tests.support.escaping import HOSTILE


def test_failed_run_offers_a_retry_of_that_run() -> None:
    message = run_failures.run_failed_message("Create incident", Mrkdwn("Slack is down."), 9)
    blocks = valid_message(message)
    assert message[0] == ":warning: *Create incident* could not be finished. Slack is down."
    button = blocks[1]["elements"][0]
    assert (button["action_id"], button["value"]) == (ActionId.RETRY_FLOW_RUN, "9")


def test_a_long_reason_is_clipped_and_typed_text_escaped() -> None:
    valid_message(run_failures.run_failed_message("x", escape("y" * 5000), 9))
    shown_escaped(run_failures.run_failed_message(HOSTILE, escape(HOSTILE), 9))
    shown_escaped(run_failures.retry_started_text(HOSTILE))
