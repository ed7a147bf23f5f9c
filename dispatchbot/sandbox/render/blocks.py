"""Block Kit layout blocks as HTML: header, section (text, fields, accessory), context, divider, actions,
image and rich_text, as the Slack client lays them out. Input blocks belong to views (render/views.py),
which passes its own renderer for them; any other block shows as a short note, never as nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatchbot.sandbox.render import elements
from dispatchbot.sandbox.render.context import Surface
from dispatchbot.sandbox.render.emoji import glyph
from dispatchbot.sandbox.render.mrkdwn import channel_mention, link, mention, text

JSON = dict[str, Any]
InputRenderer = Callable[[JSON, Surface], str]

_RICH_STYLES = (("code", "code"), ("bold", "strong"), ("italic", "em"), ("strike", "del"))


def _control(element: JSON, block: JSON, surface: Surface, label: str) -> str:
    block_id = str(block.get("block_id", ""))
    element_id = elements.dom_id(surface.id_prefix, block_id, str(element.get("action_id", "")))
    return elements.control(element, block_id, surface, element_id=element_id, label=label)


def header(block: JSON, surface: Surface) -> str:
    return f'<h3 class="b-header">{text(elements.plain(block.get("text")))}</h3>'


def section(block: JSON, surface: Surface) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="b-text">{elements.text_object(block["text"], surface.names)}</div>')
    if block.get("fields"):
        fields = "".join(
            f'<div class="b-field">{elements.text_object(f, surface.names)}</div>' for f in block["fields"]
        )
        parts.append(f'<div class="b-fields">{fields}</div>')
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        label = elements.plain(accessory.get("placeholder")) or elements.plain(block.get("text"))
        parts.append(f'<div class="b-accessory">{_control(accessory, block, surface, label)}</div>')
    return f'<div class="b-section">{"".join(parts)}</div>'


def context(block: JSON, surface: Surface) -> str:
    items = []
    for element in block.get("elements", []):
        if element.get("type") == "image":
            items.append(elements.image(element))
        else:
            items.append(f"<span>{elements.text_object(element, surface.names)}</span>")
    return f'<div class="b-context">{" ".join(items)}</div>'


def divider(block: JSON, surface: Surface) -> str:
    return '<hr class="b-divider">'


def actions(block: JSON, surface: Surface) -> str:
    controls = "".join(
        _control(element, block, surface, elements.plain(element.get("placeholder")) or "More actions")
        for element in block.get("elements", [])
    )
    return f'<div class="b-actions">{controls}</div>'


def image(block: JSON, surface: Surface) -> str:
    title = elements.plain(block.get("title"))
    caption = f"<figcaption>{text(title)}</figcaption>" if title else ""
    return f'<figure class="b-image-block">{elements.image(block)}{caption}</figure>'


def _rich_leaf(leaf: JSON, surface: Surface) -> str:
    """One element of a rich text section: text (with its styles), link, mention, emoji, date."""
    kind = leaf.get("type")
    if kind == "text":
        html = text(str(leaf.get("text", ""))).replace("\n", "<br>")
        style = leaf.get("style") or {}
        for key, tag in _RICH_STYLES:
            if style.get(key):
                html = f"<{tag}>{html}</{tag}>"
        return html
    if kind == "link":
        url = str(leaf.get("url", ""))
        return link(url, str(leaf.get("text") or url))
    if kind == "user":
        return mention("@" + surface.names.user(str(leaf.get("user_id", ""))), "mention")
    if kind == "channel":
        channel_id = str(leaf.get("channel_id", ""))
        return channel_mention(channel_id, surface.names.channel(channel_id))
    if kind == "broadcast":
        return mention("@" + str(leaf.get("range", "here")), "special-mention")
    if kind == "usergroup":
        return mention("@group", "mention")
    if kind == "emoji":
        return text(glyph(str(leaf.get("name", ""))))
    if kind == "date":
        return text(str(leaf.get("fallback", leaf.get("timestamp", ""))))
    return ""


def _rich_part(part: JSON, surface: Surface) -> str:
    kind = part.get("type")
    inner = "".join(_rich_leaf(leaf, surface) for leaf in part.get("elements", []))
    if kind == "rich_text_section":
        return f"<p>{inner}</p>"
    if kind == "rich_text_quote":
        return f"<blockquote>{inner}</blockquote>"
    if kind == "rich_text_preformatted":
        return f"<pre>{inner}</pre>"
    if kind == "rich_text_list":
        tag = "ol" if part.get("style") == "ordered" else "ul"
        items = "".join(
            f"<li>{''.join(_rich_leaf(leaf, surface) for leaf in item.get('elements', []))}</li>"
            for item in part.get("elements", [])
        )
        return f"<{tag}>{items}</{tag}>"
    return ""


def rich_text(block: JSON, surface: Surface) -> str:
    return f'<div class="b-rich">{"".join(_rich_part(p, surface) for p in block.get("elements", []))}</div>'


RENDERERS: dict[str, Callable[[JSON, Surface], str]] = {
    "header": header,
    "section": section,
    "context": context,
    "divider": divider,
    "actions": actions,
    "image": image,
    "rich_text": rich_text,
}


def render_block(block: JSON, surface: Surface, inputs: InputRenderer | None = None) -> str:
    kind = str(block.get("type", ""))
    if kind == "input" and inputs is not None:
        return inputs(block, surface)
    renderer = RENDERERS.get(kind)
    if renderer is None:
        return f'<div class="b-unsupported">[{text(kind)} block]</div>'
    return renderer(block, surface)


def render_blocks(blocks: list[JSON], surface: Surface, inputs: InputRenderer | None = None) -> str:
    """Blocks inside one element carrying the surface's container attributes, where actions go."""
    body = "".join(render_block(block, surface, inputs) for block in blocks)
    return f'<div class="blocks"{surface.container_attributes()}>{body}</div>'
