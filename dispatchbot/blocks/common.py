"""Block Kit pieces every feature uses, bounded by Slack's limits so a long value never breaks a post."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

SECTION_TEXT_LIMIT = 3000
MODAL_TITLE_LIMIT = 24
BUTTON_TEXT_LIMIT = 75


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, the way Slack would rather we did than reject."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> dict[str, Any]:
    return SectionBlock(text={"type": "mrkdwn", "text": clip(text, SECTION_TEXT_LIMIT)}).to_dict()


def buttons(*items: tuple[str, str, str]) -> dict[str, Any]:
    """An actions block of (text, action_id, value) buttons."""
    elements = [
        ButtonElement(text=clip(text, BUTTON_TEXT_LIMIT), action_id=action_id, value=value)
        for text, action_id, value in items
    ]
    return ActionsBlock(elements=elements).to_dict()


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A read-only modal with one message, used to answer a submission in place."""
    view = View(
        type="modal",
        title={"type": "plain_text", "text": clip(title, MODAL_TITLE_LIMIT)},
        close={"type": "plain_text", "text": "Close"},
        blocks=[section(text)],
    )
    return view.to_dict()
