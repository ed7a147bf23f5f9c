"""Slack's Block Kit limits, checked in one place for every builder's output.

slack_sdk's models reject much of what Slack would (`Block.parse(...).to_dict()`, `View(**view)`), but
leave some limits to the API: option texts and values, field texts, modal button texts. `problems`
walks the output and names every limit it breaks, so a test can assert `problems(...) == []` and read
what went wrong; `valid_message` and `valid_view` do both checks and hand the output back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
"""Slack truncates a message `text` beyond this."""
PRIVATE_METADATA = 3000
ID = 255
"""block_id, action_id, callback_id."""

TEXT_LIMITS = {
    "header": 150,
    "section": 3000,
    "field": 2000,
    "context": 3000,
    "button": 75,
    "option": 75,
    "option_description": 75,
    "label": 2000,
    "placeholder": 150,
    "modal_text": 24,
}
"""Characters a text object may hold, by where it is (`modal_text`: a modal's title, submit and close)."""

COUNT_LIMITS = {"fields": 10, "context": 10, "actions": 25, "options": 100}
OPTION_VALUE = 150
BUTTON_VALUE = 2000
TEXT_INPUT = 3000

Message = tuple[str, list[dict[str, Any]]]


def valid_message(message: Message) -> list[dict[str, Any]]:
    """The message's blocks, after checking them and its text."""
    text, blocks = message
    assert 0 < len(text) <= MESSAGE_TEXT, f"a message text of {len(text)} characters"
    assert 0 < len(blocks) <= MESSAGE_BLOCKS, f"{len(blocks)} blocks in a message"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a block: {block}"
        parsed.to_dict()
    assert problems(blocks) == []
    return blocks


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    """The view (a modal or the App Home), after checking it."""
    View(**view).to_dict()
    assert 0 < len(view["blocks"]) <= VIEW_BLOCKS, f"{len(view['blocks'])} blocks in a view"
    assert len(view.get("private_metadata", "")) <= PRIVATE_METADATA
    assert len(view.get("callback_id", "")) <= ID
    found = [_text_problem("modal_text", view.get(key)) for key in ("title", "submit", "close")]
    assert [problem for problem in found if problem] == []
    assert problems(view["blocks"]) == []
    return view


def problems(data: Any, where: str = "") -> list[str]:
    """Every Block Kit limit `data` (blocks, one block, or any part of one) breaks, with where."""
    return list(_problems(data, where))


def _problems(data: Any, where: str) -> Iterator[str]:
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _problems(item, f"{where}[{index}]")
        return
    if not isinstance(data, dict):
        return
    kind = data.get("type", "")
    for key in ("block_id", "action_id", "callback_id"):
        if len(str(data.get(key, ""))) > ID:
            yield f"{where}.{key}: longer than {ID}"
    yield from _own_limits(kind, data, where)
    for key, item in data.items():
        if key not in ("text", "label", "placeholder", "fields", "options", "initial_options"):
            yield from _problems(item, f"{where}.{key}")


def _own_limits(kind: str, data: dict[str, Any], where: str) -> Iterator[str]:
    """The limits of one object: its texts by their role, and how many items it holds."""
    texts: list[tuple[str, Any]] = [("label", data.get("label")), ("placeholder", data.get("placeholder"))]
    if kind in ("header", "section", "button"):
        texts.append((kind, data.get("text")))
    texts += [("field", field) for field in data.get("fields", [])]
    if kind == "context":
        texts += [("context", element) for element in data["elements"] if "text" in element]
    options = [*data.get("options", []), *data.get("initial_options", [])]
    for option in options:
        texts += [("option", option["text"]), ("option_description", option.get("description"))]
        if len(option["value"]) > OPTION_VALUE:
            yield f"{where}: an option value of {len(option['value'])}"
    for role, text in texts:
        problem = _text_problem(role, text)
        if problem:
            yield f"{where}: {problem}"
    counted = {"fields": data.get("fields"), "options": data.get("options")}
    if kind in ("context", "actions"):
        counted[kind] = data["elements"]
    for name, items in counted.items():
        if items is not None and not 0 < len(items) <= COUNT_LIMITS[name]:
            yield f"{where}: {len(items)} {name}"
    if kind == "button" and len(data.get("value", "")) > BUTTON_VALUE:
        yield f"{where}: a button value of {len(data['value'])}"
    if kind == "plain_text_input" and len(data.get("initial_value", "")) > data.get("max_length", TEXT_INPUT):
        yield f"{where}: an initial value beyond max_length"


def _text_problem(role: str, text: dict[str, Any] | None) -> str:
    if text is None:
        return ""
    size = len(text["text"])
    return "" if 0 < size <= TEXT_LIMITS[role] else f"a {role} text of {size} characters"
