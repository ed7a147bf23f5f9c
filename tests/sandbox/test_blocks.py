"""Every block and element type the bot sends, rendered as a person (and a browser test) reads them."""

from __future__ import annotations

from typing import Any

from dispatchbot.sandbox.render.blocks import render_block, render_blocks
from dispatchbot.sandbox.render.context import Surface
from dispatchbot.sandbox.render.mrkdwn import Names
from tests.sandbox.dom import one, parse, text_of

SURFACE = Surface(
    names=Names(users={"U1": "Alice Adams"}, channels={"C1": "general"}),
    container={"container": "message", "channel": "C1", "ts": "1.000001"},
    people=(("U1", "Alice Adams"), ("U2", "Bob Baker")),
    channels=(("C1", "#general"),),
)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def test_header_is_plain_text_even_with_markup() -> None:
    root = parse(render_block({"type": "header", "text": plain("<script>x</script> *INC-1*")}, SURFACE))
    header = one(root, ".//h3")
    assert text_of(header) == "<script>x</script> *INC-1*"
    assert root.find(".//script") is None


def test_section_with_text_fields_and_accessory() -> None:
    block = {
        "type": "section",
        "block_id": "b1",
        "text": mrkdwn("*INC-1* led by <@U1> — <!channel>"),
        "fields": [mrkdwn("*Status*\nActive"), plain("Severity: *High*")],
        "accessory": {"type": "button", "action_id": "join", "text": plain("Join"), "value": "1"},
    }
    root = parse(render_block(block, SURFACE))
    assert text_of(one(root, ".//div[@class='b-text']")) == "INC-1 led by @Alice Adams — @channel"
    assert one(root, ".//span[@class='special-mention']").text == "@channel"
    assert [text_of(f) for f in root.iterfind(".//div[@class='b-field']")] == [
        "Status Active",
        "Severity: *High*",
    ]
    button = one(root, ".//button")
    assert (button.text, button.get("type")) == ("Join", "button")
    assert (button.get("data-block-id"), button.get("data-action-id"), button.get("data-value")) == (
        "b1",
        "join",
        "1",
    )


def test_accessory_select_is_named_by_its_section() -> None:
    block = {
        "type": "section",
        "block_id": "b2",
        "text": mrkdwn("Set the status"),
        "accessory": {
            "type": "static_select",
            "action_id": "status",
            "options": [option("Active", "active"), option("Stable", "stable")],
            "initial_option": option("Active", "active"),
        },
    }
    select = one(parse(render_block(block, SURFACE)), ".//select")
    assert select.get("aria-label") == "Set the status"
    assert select.get("data-kind") == "static_select"
    assert [o.get("value") for o in select.iterfind("option") if "selected" in o.attrib] == ["active"]


def test_context_divider_and_image() -> None:
    blocks = [
        {
            "type": "context",
            "elements": [
                mrkdwn("_by_ <@U1>"),
                {"type": "image", "image_url": "https://i.test/a.png", "alt_text": "avatar"},
            ],
        },
        {"type": "divider"},
        {
            "type": "image",
            "image_url": "https://i.test/graph.png",
            "alt_text": "p99 latency",
            "title": plain("Latency"),
        },
    ]
    root = parse(render_blocks(blocks, SURFACE))
    assert text_of(one(root, ".//div[@class='b-context']")) == "by @Alice Adams 🖼 avatar"
    assert root.find(".//hr") is not None
    figure = one(root, ".//figure")
    assert text_of(one(figure, "a")) == "🖼 p99 latency"
    assert text_of(one(figure, "figcaption")) == "Latency"
    assert root.find(".//img") is None, "the page loads nothing from other hosts"
    assert one(figure, ".//a").get("href") == "https://i.test/graph.png"


def test_actions_with_buttons_selects_and_overflow() -> None:
    block = {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {
                "type": "button",
                "action_id": "stable",
                "text": plain("Mark stable"),
                "style": "primary",
                "value": "1",
            },
            {"type": "button", "action_id": "docs", "text": plain("Docs"), "url": "https://docs.test/"},
            {
                "type": "static_select",
                "action_id": "role",
                "placeholder": plain("Assign a role"),
                "option_groups": [{"label": plain("Roles"), "options": [option("Scribe", "scribe")]}],
            },
            {"type": "overflow", "action_id": "more", "options": [option("Close", "close")]},
            {"type": "users_select", "action_id": "who", "placeholder": plain("Pick someone")},
            {"type": "conversations_select", "action_id": "where", "placeholder": plain("Pick a channel")},
        ],
    }
    root = parse(render_blocks([block], SURFACE))
    holder = one(root, "div[@class='blocks']")
    assert (holder.get("data-container"), holder.get("data-channel"), holder.get("data-ts")) == (
        "message",
        "C1",
        "1.000001",
    )
    buttons = root.findall(".//button")
    assert [b.text for b in buttons] == ["Mark stable", "Docs"]
    assert "primary" in (buttons[0].get("class") or "")
    assert buttons[1].get("data-url") == "https://docs.test/"
    selects = {s.get("data-action-id"): s for s in root.iterfind(".//select")}
    assert selects["role"].get("aria-label") == "Assign a role"
    assert one(selects["role"], "optgroup").get("label") == "Roles"
    assert selects["more"].get("aria-label") == "More actions"
    assert [o.text for o in selects["who"].iterfind("option")] == ["Pick someone", "Alice Adams", "Bob Baker"]
    assert [o.text for o in selects["where"].iterfind("option")] == ["Pick a channel", "#general"]


def test_a_button_that_asks_first_carries_its_dialog() -> None:
    """Slack's client asks before sending a click on a button with ``confirm``; the page does too, from
    the dialog's `<template>` beside the button (unescaped text never reaches it)."""
    confirm = {
        "title": plain("Create channel"),
        "text": mrkdwn("Move *CASE-1* to <!channel>?"),
        "confirm": plain("Create channel"),
        "deny": plain("Cancel"),
        "style": "danger",
    }
    block = {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {"type": "button", "action_id": "move", "text": plain("Create channel"), "confirm": confirm},
            {"type": "button", "action_id": "plain", "text": plain("Triage"), "confirm": {}},
        ],
    }
    root = parse(render_blocks([block], SURFACE))
    move, *_ = root.iterfind(".//button[@data-action-id='move']")
    assert move.get("aria-haspopup") == "dialog"
    template, defaults = root.findall(".//template[@class='b-confirm']")
    assert text_of(one(template, "h2")) == "Create channel"
    assert text_of(one(template, "div")) == "Move CASE-1 to @channel?"
    assert one(template, "div/strong").text == "CASE-1"
    answers = {b.get("value"): (b.text, b.get("class")) for b in template.iterfind(".//button")}
    assert answers == {"deny": ("Cancel", None), "confirm": ("Create channel", "danger")}
    assert [b.text for b in defaults.iterfind(".//button")] == ["Cancel", "Yes"]
    assert text_of(one(defaults, "h2")) == "Are you sure?"


def test_rich_text() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "<b>hi</b> ", "style": {"bold": True}},
                    {"type": "user", "user_id": "U1"},
                    {"type": "text", "text": " see "},
                    {"type": "link", "url": "https://x.test", "text": "this"},
                    {"type": "emoji", "name": "fire"},
                    {"type": "broadcast", "range": "channel"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}],
            },
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "code"}]},
        ],
    }
    root = parse(render_block(block, SURFACE))
    paragraph = one(root, ".//p")
    assert one(paragraph, "strong").text == "<b>hi</b> "
    assert text_of(paragraph) == "<b>hi</b> @Alice Adams see this🔥@channel"
    assert text_of(one(root, ".//ol/li")) == "one"
    assert text_of(one(root, ".//blockquote")) == "quoted"
    assert text_of(one(root, ".//pre")) == "code"


def test_unknown_block_is_named_not_dropped() -> None:
    assert text_of(parse(render_block({"type": "video"}, SURFACE))) == "[video block]"
