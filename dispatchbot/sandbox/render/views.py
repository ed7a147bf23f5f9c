"""A modal (or App Home tab) as HTML: a `role=dialog` form named by the view's title, its blocks, and
one labelled control per input block showing what the person entered so far.

Each input is tied to its label (`<label for>`, or a `<legend>` for checkbox and radio groups), is
`required` unless the block is optional, and shows the error from the app's last
`response_action: errors` under it. The form carries the view id; the page's script collects the
controls by their block and action ids and submits them.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.sandbox.render import elements
from dispatchbot.sandbox.render.blocks import InputRenderer, render_blocks
from dispatchbot.sandbox.render.context import Surface, data_attributes
from dispatchbot.sandbox.render.mrkdwn import text
from dispatchbot.testing.slack.state import StoredView

JSON = dict[str, Any]

_GROUPS = {"checkboxes", "radio_buttons"}


def _input_renderer(view: StoredView) -> InputRenderer:
    def render_input(block: JSON, surface: Surface) -> str:
        element = block.get("element") or {}
        block_id = str(block.get("block_id", ""))
        action_id = str(element.get("action_id", ""))
        element_id = elements.dom_id(surface.id_prefix, block_id, action_id)
        label = elements.plain(block.get("label"))
        required = not block.get("optional", False)
        error = view.errors.get(block_id)
        error_id = f"{element_id}-error" if error else ""
        state = view.values.get(block_id, {}).get(action_id)
        grouped = element.get("type") in _GROUPS
        control = elements.control(
            element,
            block_id,
            surface,
            element_id=element_id,
            state=state,
            label=label if grouped else "",
            required=required,
            described_by=error_id,
        )
        optional = "" if required else ' <span class="optional">(optional)</span>'
        heading = "" if grouped else f'<label for="{element_id}">{text(label)}{optional}</label>'
        hint = elements.plain(block.get("hint"))
        parts = [heading, control]
        if hint:
            parts.append(f'<div class="b-hint">{text(hint)}</div>')
        if error:
            parts.append(f'<p class="b-error" id="{error_id}" role="alert">{text(error)}</p>')
        dispatch = data_attributes({"dispatch": "true"}) if block.get("dispatch_action") else ""
        return f'<div class="b-input"{dispatch}>{"".join(parts)}</div>'

    return render_input


def render_view(view: StoredView, surface: Surface) -> str:
    """A modal as a dialog with its form, submit and close buttons (and Back on a pushed view)."""
    title_id = f"{surface.id_prefix}-title"
    title = text(view.title)
    body = render_blocks(view.blocks, surface, _input_renderer(view))
    submit = elements.plain(view.definition.get("submit"))
    close = elements.plain(view.definition.get("close")) or "Cancel"
    back = (
        '<button type="button" class="back" data-view-back="true">Back</button>'
        if view.previous_view_id
        else ""
    )
    buttons = f'<button type="button" class="close" data-view-close="true">{text(close)}</button>'
    if submit:
        buttons += f'<button type="submit" class="primary">{text(submit)}</button>'
    ids = data_attributes({"view_id": view.id})
    return (
        f'<div class="modal" role="dialog" aria-modal="true" aria-labelledby="{title_id}"{ids}>'
        f'<form class="view-form"{ids}>'
        f'<header>{back}<h2 id="{title_id}">{title}</h2></header>'
        f'<div class="modal-body">{body}</div>'
        f"<footer>{buttons}</footer></form></div>"
    )


def render_home(view: StoredView, surface: Surface) -> str:
    """An App Home tab: its blocks (inputs included) in a region named Home."""
    body = render_blocks(view.blocks, surface, _input_renderer(view))
    return f'<section class="home" aria-label="Home"{data_attributes({"view_id": view.id})}>{body}</section>'
