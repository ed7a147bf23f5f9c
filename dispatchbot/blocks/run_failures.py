"""The message that tells a person their request could not be finished, with a way to try again."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import buttons, section
from dispatchbot.ids import ActionId


def run_failed_message(title: str, message: str, run_id: int) -> tuple[str, list[dict[str, Any]]]:
    text = f":warning: *{title}* could not be finished. {message}"
    return text, [section(text), buttons(("Retry", ActionId.RETRY_FLOW_RUN, str(run_id)))]


def retry_started_text(title: str) -> str:
    return f":arrows_counterclockwise: Retrying: *{title}*."


RETRY_NOT_NEEDED_TEXT = "That request is no longer failed, so there is nothing to retry."
