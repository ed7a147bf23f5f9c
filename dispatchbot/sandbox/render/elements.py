"""Block Kit elements as HTML controls, shared by message blocks and modal inputs.

Every control is a native one (`<button>`, `<select>`, `<input>`, `<textarea>`, `<fieldset>` of
checkboxes or radios), so a keyboard, a screen reader and a browser test all work with it as they do
with any form. Each carries ``data-block-id``, ``data-action-id`` and ``data-kind``; the page's script
reads them to send the action back. A control shows the element's current state (what the person
picked or typed so far, or the element's initial value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dispatchbot.sandbox.render.context import Surface, data_attributes
from dispatchbot.sandbox.render.emoji import emojify
from dispatchbot.sandbox.render.mrkdwn import Names, text, to_html
from dispatchbot.testing.slack import block_kit

JSON = dict[str, Any]

_USER_SELECTS = {"users_select", "multi_users_select"}
_CHANNEL_SELECTS = {
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
_OPTION_SELECTS = {"static_select", "external_select", "multi_static_select", "multi_external_select"}
_INPUT_TYPES = {
    "email_text_input": "email",
    "url_text_input": "url",
    "number_input": "number",
    "datepicker": "date",
    "timepicker": "time",
    "datetimepicker": "datetime-local",
}
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def plain(obj: Any) -> str:
    """The raw text of a text object (or "" when there is none)."""
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def text_object(obj: Any, names: Names) -> str:
    """A text object as HTML: mrkdwn parsed, plain_text escaped as it is."""
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return to_html(plain(obj), names)
    shown = text(plain(obj))
    return emojify(shown) if obj.get("emoji", True) else shown


def dom_id(*parts: str) -> str:
    """An element id made of block and action ids, reduced to characters safe in ids and selectors."""
    return "-".join(_UNSAFE_ID.sub("_", part) for part in parts)


def chosen(state: JSON) -> list[str]:
    """What a state entry holds, as strings: option values, ids, dates, typed text."""
    found: list[str] = []
    for key, value in state.items():
        if key == "type" or value in (None, ""):
            continue
        for item in value if isinstance(value, list) else [value]:
            found.append(str(item.get("value", "")) if isinstance(item, dict) else str(item))
    return found


def _state_of(element: JSON, state: JSON | None) -> JSON:
    return state if state is not None else block_kit.initial_state(element)


def _attributes(element: JSON, block_id: str) -> str:
    return data_attributes(
        {
            "block_id": block_id,
            "action_id": str(element.get("action_id", "")),
            "kind": str(element.get("type", "")),
        }
    )


def _choices(element: JSON, surface: Surface) -> list[tuple[str, str]]:
    kind = element.get("type")
    if kind in _USER_SELECTS:
        return list(surface.people)
    if kind in _CHANNEL_SELECTS:
        return list(surface.channels)
    return []


def _option_tags(options: Iterable[JSON], selected: set[str]) -> str:
    tags = []
    for option in options:
        value = str(option.get("value", ""))
        mark = " selected" if value in selected else ""
        tags.append(f'<option value="{text(value)}"{mark}>{text(plain(option.get("text")))}</option>')
    return "".join(tags)


def select_options(element: JSON, surface: Surface, selected: set[str]) -> str:
    """The `<option>`s of a select: its options (grouped as its option groups), or people, or channels."""
    kind = str(element.get("type"))
    if kind in _OPTION_SELECTS or kind == "overflow":
        groups = element.get("option_groups")
        if groups:
            return "".join(
                f'<optgroup label="{text(plain(group.get("label")))}">'
                f"{_option_tags(group.get('options', []), selected)}</optgroup>"
                for group in groups
            )
        options = list(element.get("options", []))
        # an external select's options come from the app on demand; until then it offers what it shows
        options += [o for o in element.get("initial_options", []) if o not in options]
        if isinstance(element.get("initial_option"), dict) and element["initial_option"] not in options:
            options.append(element["initial_option"])
        return _option_tags(options, selected)
    return "".join(
        f'<option value="{text(key)}"{" selected" if key in selected else ""}>{text(name)}</option>'
        for key, name in _choices(element, surface)
    )


def button(element: JSON, block_id: str, names: Names) -> str:
    """A `<button>`; with a ``confirm`` object, followed by the `<template>` of the dialog that asks
    first (the page shows it, and sends the click only on its confirm button, as Slack's client does)."""
    label = text(plain(element.get("text")))
    style = str(element.get("style", ""))
    css = f"b-button {text(style)}".strip()
    attributes = _attributes(element, block_id)
    if element.get("value") is not None:
        attributes += data_attributes({"value": str(element["value"])})
    if element.get("url"):
        attributes += data_attributes({"url": str(element["url"])})
    confirm = element.get("confirm")
    if not isinstance(confirm, dict):
        return f'<button type="button" class="{css}"{attributes}>{label}</button>'
    return (
        f'<button type="button" class="{css}"{attributes} aria-haspopup="dialog">{label}</button>'
        + confirm_template(confirm, names)
    )


def confirm_template(confirm: JSON, names: Names) -> str:
    """A confirmation dialog's content: its title, its text and its two buttons, Slack's defaults
    ("Are you sure?", "Yes", "Cancel") where the app gives none. `<template>` keeps it out of the page
    (and out of what a screen reader reads) until the page opens it in its one `<dialog>`."""
    title = text(plain(confirm.get("title")) or "Are you sure?")
    style = text(str(confirm.get("style", "primary")))
    yes = text(plain(confirm.get("confirm")) or "Yes")
    no = text(plain(confirm.get("deny")) or "Cancel")
    return (
        f'<template class="b-confirm"><h2 id="confirm-title">{title}</h2>'
        f'<div class="b-confirm-text">{text_object(confirm.get("text"), names)}</div>'
        f'<footer><button value="deny">{no}</button>'
        f'<button value="confirm" class="{style}">{yes}</button></footer></template>'
    )


def _aria(label: str, required: bool, described_by: str) -> str:
    """The name (when there is no `<label for>`), required flag and error link screen readers announce."""
    aria = f' aria-label="{text(label)}"' if label else ""
    if required:
        aria += ' aria-required="true"'
    if described_by:
        aria += f' aria-describedby="{described_by}" aria-invalid="true"'
    return aria


def control(
    element: JSON,
    block_id: str,
    surface: Surface,
    *,
    element_id: str,
    state: JSON | None = None,
    label: str = "",
    required: bool = False,
    described_by: str = "",
) -> str:
    """One element as a form control with id ``element_id``. ``label`` names controls that have no
    `<label for>` (selects in a message); checkbox and radio groups show it as their legend."""
    kind = str(element.get("type", ""))
    if kind == "button":
        return button(element, block_id, surface.names)
    if kind == "image":
        return image(element)
    current = chosen(_state_of(element, state))
    data = _attributes(element, block_id)
    if kind in ("checkboxes", "radio_buttons"):
        group = f' id="{element_id}"{data}{_aria("", required, described_by)}'
        return _choice_group(element, group, element_id, set(current), label, required)
    common = f' id="{element_id}" name="{element_id}"{data}{_aria(label, required, described_by)}'
    if required:
        common += " required"
    placeholder = plain(element.get("placeholder"))
    if kind in _OPTION_SELECTS or kind in _USER_SELECTS or kind in _CHANNEL_SELECTS or kind == "overflow":
        multiple = kind.startswith("multi_")
        prompt = "" if multiple else f'<option value="">{text(placeholder or "Choose…")}</option>'
        options = select_options(element, surface, set(current))
        return f"<select{common}{' multiple' if multiple else ''}>{prompt}{options}</select>"
    value = current[0] if current else ""
    if kind == "plain_text_input" or kind == "rich_text_input":
        limits = "".join(
            f' {html_name}="{int(element[key])}"'
            for key, html_name in (("min_length", "minlength"), ("max_length", "maxlength"))
            if key in element
        )
        hint = f' placeholder="{text(placeholder)}"' if placeholder else ""
        if element.get("multiline") or kind == "rich_text_input":
            return f'<textarea{common}{limits}{hint} rows="4">{text(value)}</textarea>'
        return f'<input type="text"{common}{limits}{hint} value="{text(value)}">'
    if kind in _INPUT_TYPES:
        extra = ' step="any"' if kind == "number_input" and element.get("is_decimal_allowed") else ""
        return f'<input type="{_INPUT_TYPES[kind]}"{common}{extra} value="{text(value)}">'
    return f'<span class="b-unsupported">[{text(kind)} element]</span>'


def _choice_group(
    element: JSON, attributes: str, element_id: str, current: set[str], legend: str, required: bool
) -> str:
    """Checkboxes or radio buttons: a fieldset (carrying the data attributes) of labelled inputs. A
    required radio group is enforced by the browser; a required checkbox group is only announced (HTML
    has no "at least one box"), and submitting it empty is refused as Slack's client refuses it."""
    kind = "radio" if element.get("type") == "radio_buttons" else "checkbox"
    native_required = " required" if required and kind == "radio" else ""
    rows = []
    for index, option in enumerate(block_kit.options_of(element)):
        value = str(option.get("value", ""))
        option_id = f"{element_id}-{index}"
        checked = " checked" if value in current else ""
        description = plain(option.get("description"))
        rows.append(
            f'<div class="b-choice"><input type="{kind}" id="{option_id}" name="{element_id}"'
            f' value="{text(value)}"{checked}{native_required}>'
            f' <label for="{option_id}">{text(plain(option.get("text")))}</label>'
            + (f'<div class="b-hint">{text(description)}</div>' if description else "")
            + "</div>"
        )
    heading = f"<legend>{text(legend)}</legend>" if legend else ""
    return f'<fieldset class="b-choices"{attributes}>{heading}{"".join(rows)}</fieldset>'


def image(element: JSON) -> str:
    """An image as its alt text linking to it: the page never loads anything from another host."""
    alt = str(element.get("alt_text", "image"))
    url = str(element.get("image_url", ""))
    if not url.startswith(("http://", "https://")):
        return f'<span class="b-image">🖼 {text(alt)}</span>'
    return (
        f'<a class="b-image" href="{text(url)}" target="_blank" rel="noopener noreferrer">🖼 {text(alt)}</a>'
    )
