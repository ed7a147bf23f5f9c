"""Block Kit pieces every feature uses, bounded by Slack's limits so a long value never breaks a post.

mrkdwn text (sections, context, fields, a message's `text`) is `Mrkdwn` only, so whatever came from
outside has been escaped before it gets here (see `dispatchbot.mrkdwn`); plain_text (headers, buttons,
options, labels, titles) is not parsed by Slack and takes ordinary strings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any, TypeVar

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from dispatchbot.mrkdwn import Mrkdwn, md

PickedT = TypeVar("PickedT")

Message = tuple[Mrkdwn, list[dict[str, Any]]]
"""A message as the gateway posts it: its `text` (notifications, fallback) and its blocks."""

SECTION_TEXT_LIMIT = 3000
MODAL_TITLE_LIMIT = 24
BUTTON_TEXT_LIMIT = 75


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, the way Slack would rather we did than reject.
    For plain text and for raw values before they are escaped; `Mrkdwn.clip` cuts mrkdwn safely."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: Mrkdwn) -> dict[str, Any]:
    return SectionBlock(text={"type": "mrkdwn", "text": text.clip(SECTION_TEXT_LIMIT)}).to_dict()


def buttons(*items: tuple[str, str, str]) -> dict[str, Any]:
    """An actions block of (text, action_id, value) buttons."""
    elements = [
        ButtonElement(text=clip(text, BUTTON_TEXT_LIMIT), action_id=action_id, value=value)
        for text, action_id, value in items
    ]
    return ActionsBlock(elements=elements).to_dict()


def notice_modal(title: str, text: Mrkdwn) -> dict[str, Any]:
    """A read-only modal with one message, used to answer a submission in place."""
    view = View(
        type="modal",
        title={"type": "plain_text", "text": clip(title, MODAL_TITLE_LIMIT)},
        close={"type": "plain_text", "text": "Close"},
        blocks=[section(text)],
    )
    return view.to_dict()


HEADER_TEXT_LIMIT = 150
PLAIN_INPUT_LIMIT = 3000
OPTION_TEXT_LIMIT = 75
MAX_OPTIONS = 100
MESSAGE_BLOCK_LIMIT = 50
MODAL_BLOCK_LIMIT = 100
PRIVATE_METADATA_LIMIT = 3000


def plain(text: str, limit: int = PLAIN_INPUT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_TEXT_LIMIT)}


def context(text: Mrkdwn) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text.clip(SECTION_TEXT_LIMIT)}]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def fields(pairs: list[tuple[str, Mrkdwn]]) -> dict[str, Any]:
    """A section of up to 10 `*label*\\nvalue` fields (Slack's limit), each within 2,000 characters."""
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": md("*{label}*\n{value}", label=label, value=value).clip(2000)}
            for label, value in pairs[:10]
        ],
    }


def option(text: str, value: str | None = None) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": (value if value is not None else text)[:150]}


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    max_length: int = PLAIN_INPUT_LIMIT,
    placeholder: str = "",
    optional: bool = False,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return _input(block_id, label, element, optional)


def select_input(
    block_id: str,
    label: str,
    choices: list[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = False,
) -> dict[str, Any]:
    """A static select of (text, value) choices, `initial` preselected by value."""
    options = [option(text, value) for text, value in choices[:MAX_OPTIONS]]
    element: dict[str, Any] = {"type": "static_select", "action_id": block_id, "options": options}
    chosen = next((entry for entry in options if entry["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return _input(block_id, label, element, optional)


def users_input(
    block_id: str,
    label: str,
    *,
    multi: bool = False,
    initial: list[str] | None = None,
    optional: bool = False,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "multi_users_select" if multi else "users_select",
        "action_id": block_id,
    }
    if initial:
        element["initial_users" if multi else "initial_user"] = initial if multi else initial[0]
    return _input(block_id, label, element, optional)


def channels_input(
    block_id: str, label: str, *, initial: list[str] | None = None, optional: bool = True
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_conversations_select", "action_id": block_id}
    if initial:
        element["initial_conversations"] = initial
    return _input(block_id, label, element, optional)


def date_input(block_id: str, label: str, initial: date) -> dict[str, Any]:
    """A required date picker; `picked_date` reads the answer."""
    element = {"type": "datepicker", "action_id": block_id, "initial_date": initial.isoformat()}
    return _input(block_id, label, element, optional=False)


def time_input(block_id: str, label: str, initial: time) -> dict[str, Any]:
    """A required time picker (Slack's takes HH:mm, no seconds); `picked_time` reads the answer."""
    element = {"type": "timepicker", "action_id": block_id, "initial_time": initial.strftime("%H:%M")}
    return _input(block_id, label, element, optional=False)


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool) -> dict[str, Any]:
    """An input block whose element's action_id equals its block_id (what `state_value` reads)."""
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": blocks[:MODAL_BLOCK_LIMIT],
        "private_metadata": private_metadata[:PRIVATE_METADATA_LIMIT],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_LIMIT)
    return view


def incident_form(
    callback_id: str, title: str, blocks: list[dict[str, Any]], incident_id: int, *, submit: str
) -> dict[str, Any]:
    """A form about one incident: its id rides in private_metadata, where the submission reads it back."""
    return modal(callback_id, title, blocks, submit=submit, private_metadata=str(incident_id))


def state_value(values: dict[str, Any], block_id: str) -> Any:
    """The submitted value of an input whose action_id equals its block_id, in the shape Slack sends."""
    entry = (values.get(block_id) or {}).get(block_id) or {}
    kind = entry.get("type")
    if kind == "static_select":
        return (entry.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return entry.get("selected_user")
    if kind == "multi_users_select":
        return list(entry.get("selected_users") or [])
    if kind in ("multi_conversations_select", "multi_channels_select"):
        return list(entry.get("selected_conversations") or entry.get("selected_channels") or [])
    return entry.get("value") or ""


def picked_date(values: dict[str, Any], block_id: str) -> date | None:
    """The day chosen in a `date_input`; None when none was, or what came is not a date."""
    return _picked(values, block_id, "selected_date", date.fromisoformat)


def picked_time(values: dict[str, Any], block_id: str) -> time | None:
    """The time chosen in a `time_input`; None when none was, or what came is not a time."""
    return _picked(values, block_id, "selected_time", time.fromisoformat)


def _picked(
    values: dict[str, Any], block_id: str, key: str, parse: Callable[[str], PickedT]
) -> PickedT | None:
    """Read by key, not by element type: a picker's state entry need not say its type."""
    text = str(((values.get(block_id) or {}).get(block_id) or {}).get(key) or "")
    try:
        return parse(text)
    except ValueError:
        return None
