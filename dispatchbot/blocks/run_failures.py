"""The message that tells a person their request could not be finished, with a way to try again."""

from __future__ import annotations

from dispatchbot.blocks.common import Message, buttons, section
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, md


def run_failed_message(title: str, message: Mrkdwn, run_id: int) -> Message:
    """`message` says why, as the failed step put it (a `UserFacingError`'s message is mrkdwn)."""
    text = md(":warning: *{title}* could not be finished. {message}", title=title, message=message)
    return text, [section(text), buttons(("Retry", ActionId.RETRY_FLOW_RUN, str(run_id)))]


def retry_started_text(title: str) -> Mrkdwn:
    return md(":arrows_counterclockwise: Retrying: *{title}*.", title=title)


RETRY_NOT_NEEDED_TEXT = Mrkdwn("That request is no longer failed, so there is nothing to retry.")
