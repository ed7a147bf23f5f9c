"""Read Block Kit the way the Slack client does: find inputs by label and buttons by text, and build
``state.values`` in exactly the shape Slack sends (``block_id -> action_id -> {type, value...}``).

Kept free of I/O so the Web API (initial values, state kept across ``views.update``) and the driver
(filling and submitting) share one definition of each element's state.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import date, time
from typing import Any

JSON = dict[str, Any]

# element type -> (key in state.values, key of its initial value in the element, holds a list)
_STATE_KEYS: dict[str, tuple[str, str, bool]] = {
    "plain_text_input": ("value", "initial_value", False),
    "email_text_input": ("value", "initial_value", False),
    "url_text_input": ("value", "initial_value", False),
    "number_input": ("value", "initial_value", False),
    "static_select": ("selected_option", "initial_option", False),
    "external_select": ("selected_option", "initial_option", False),
    "radio_buttons": ("selected_option", "initial_option", False),
    "multi_static_select": ("selected_options", "initial_options", True),
    "multi_external_select": ("selected_options", "initial_options", True),
    "checkboxes": ("selected_options", "initial_options", True),
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
    "datepicker": ("selected_date", "initial_date", False),
    "timepicker": ("selected_time", "initial_time", False),
    "datetimepicker": ("selected_date_time", "initial_date_time", False),
    "rich_text_input": ("rich_text_value", "initial_value", False),
}


class ClientRefused(ValueError):
    """Something the Slack client would not let a person do: an unknown label or option, a bad date,
    an empty required input, posting where they are not a member."""


def _short_id(data: Any, salt: int) -> str:
    digest = hashlib.sha1(f"{salt}:{json.dumps(data, sort_keys=True)}".encode()).hexdigest()
    return digest[:5]


def assign_ids(blocks: list[JSON]) -> list[JSON]:
    """Give every block a ``block_id`` and every interactive element an ``action_id``, as Slack does
    when a view or message omits them (Slack picks short random ids; here they are content hashes)."""
    result = copy.deepcopy(blocks)
    for index, block in enumerate(result):
        block.setdefault("block_id", _short_id(block, index))
        for position, element in enumerate(_elements(block)):
            element.setdefault("action_id", _short_id(element, position))
    return result


def _elements(block: JSON) -> list[JSON]:
    if block.get("type") == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    if block.get("type") == "actions":
        return [e for e in block.get("elements", []) if isinstance(e, dict)]
    if isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    return []


def input_blocks(blocks: list[JSON]) -> Iterator[JSON]:
    return (b for b in blocks if b.get("type") == "input" and isinstance(b.get("element"), dict))


def label_of(block: JSON) -> str:
    return str((block.get("label") or {}).get("text", ""))


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def options_of(element: JSON) -> list[JSON]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    return options


def initial_state(element: JSON) -> JSON:
    """The state Slack reports for an element nobody has touched: its initial value or null/[]."""
    kind = str(element.get("type"))
    state_key, initial_key, is_list = _STATE_KEYS.get(kind, ("value", "initial_value", False))
    value = element.get(initial_key, [] if is_list else None)
    return {"type": kind, state_key: copy.deepcopy(value)}


def initial_values(blocks: list[JSON]) -> dict[str, dict[str, JSON]]:
    return {
        b["block_id"]: {b["element"]["action_id"]: initial_state(b["element"])} for b in input_blocks(blocks)
    }


def carry_over(old: Mapping[str, dict[str, JSON]], blocks: list[JSON]) -> dict[str, dict[str, JSON]]:
    """Values after ``views.update``: Slack keeps what was typed into inputs whose block_id, action_id
    and element type are unchanged, and starts the others from their initial value."""
    values = initial_values(blocks)
    for block_id, actions in values.items():
        for action_id, state in actions.items():
            previous = old.get(block_id, {}).get(action_id)
            if previous is not None and previous.get("type") == state["type"]:
                actions[action_id] = copy.deepcopy(previous)
    return values


def is_empty(state: JSON) -> bool:
    return all(v in (None, "", []) for k, v in state.items() if k != "type")


def _option(element: JSON, wanted: str) -> JSON:
    options = options_of(element)
    for option in options:
        if _text(option.get("text")) == wanted:
            return copy.deepcopy(option)
    for option in options:
        if option.get("value") == wanted:
            return copy.deepcopy(option)
    raise ClientRefused(f"no option {wanted!r}; options are {[_text(o.get('text')) for o in options]}")


def _entity_id(value: Any) -> str:
    """Accept an id or anything with ``.id`` (a fake ``User`` or ``Channel``)."""
    return str(getattr(value, "id", value))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def filled_state(element: JSON, value: Any) -> JSON:
    """The state entry after a person enters ``value``; raises ClientRefused where the client would refuse."""
    kind = str(element.get("type"))
    if kind not in _STATE_KEYS:
        raise ClientRefused(f"element type {kind!r} cannot be filled")
    state_key, _, _ = _STATE_KEYS[kind]
    result: Any
    if kind in {"plain_text_input", "email_text_input", "url_text_input"}:
        result = str(value)
        if kind == "email_text_input" and "@" not in result:
            raise ClientRefused(f"{result!r} is not an email address")
        if kind == "url_text_input" and not result.startswith(("http://", "https://")):
            raise ClientRefused(f"{result!r} is not a URL")
        if len(result) > int(element.get("max_length", 3000)) or len(result) < int(
            element.get("min_length", 0)
        ):
            raise ClientRefused(f"{result!r} violates the input's length limits")
    elif kind == "number_input":
        result = str(value)
        try:
            number = float(result)
        except ValueError as exc:
            raise ClientRefused(f"{result!r} is not a number") from exc
        if not element.get("is_decimal_allowed", False) and not number.is_integer():
            raise ClientRefused(f"{result!r} is not a whole number")
    elif kind in {"static_select", "external_select", "radio_buttons"}:
        result = _option(element, str(value))
    elif kind in {"multi_static_select", "multi_external_select", "checkboxes"}:
        result = [_option(element, str(v)) for v in _as_list(value)]
    elif kind in {"users_select", "conversations_select", "channels_select"}:
        result = _entity_id(value)
    elif kind in {"multi_users_select", "multi_conversations_select", "multi_channels_select"}:
        result = [_entity_id(v) for v in _as_list(value)]
    elif kind == "datepicker":
        try:
            result = date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise ClientRefused(f"{value!r} is not YYYY-MM-DD") from exc
    elif kind == "timepicker":
        try:
            result = time.fromisoformat(str(value)).strftime("%H:%M")
        except ValueError as exc:
            raise ClientRefused(f"{value!r} is not HH:MM") from exc
    elif kind == "datetimepicker":
        result = int(value)
    else:  # rich_text_input
        result = {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": str(value)}]}],
        }
    return {"type": kind, state_key: result}


def find_input(blocks: list[JSON], label: str) -> JSON:
    for block in input_blocks(blocks):
        if label_of(block) == label:
            return block
    raise ClientRefused(
        f"no input labelled {label!r}; labels are {[label_of(b) for b in input_blocks(blocks)]}"
    )


def find_element(
    blocks: list[JSON], *, text: str | None = None, action_id: str | None = None, kinds: tuple[str, ...]
) -> tuple[JSON, JSON]:
    """Find an interactive element outside inputs (actions blocks, section accessories).

    ``text`` matches a button's visible text, a select's placeholder, or the text of the section the
    element is the accessory of, since that is what a person reads next to it.
    """
    for block in blocks:
        if block.get("type") == "input":
            continue
        for element in _elements(block):
            if element.get("type") not in kinds:
                continue
            if action_id is not None and element.get("action_id") == action_id:
                return block, element
            if text is not None and text in {
                _text(element.get("text")),
                _text(element.get("placeholder")),
                _text(block.get("text")) if "accessory" in block else None,
            }:
                return block, element
    raise ClientRefused(f"no {'/'.join(kinds)} with text={text!r} action_id={action_id!r}")


def element_by_id(blocks: list[JSON], block_id: str, action_id: str) -> tuple[JSON, JSON]:
    """The block ``block_id`` and its element ``action_id`` (an input's element too)."""
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        for element in _elements(block):
            if element.get("action_id") == action_id:
                return block, element
    raise ClientRefused(f"no element {action_id!r} in block {block_id!r}")
