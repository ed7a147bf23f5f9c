"""Modals as dialogs: every input kind Slack modals have, tied to its label, required unless optional,
showing its current value and the app's inline error."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import pytest

from dispatchbot.sandbox.render.context import Surface
from dispatchbot.sandbox.render.mrkdwn import Names
from dispatchbot.sandbox.render.views import render_home, render_view
from dispatchbot.testing.slack.methods.views import new_view
from dispatchbot.testing.slack.state import StoredView, Workspace
from tests.sandbox.dom import label_for, one, parse, text_of

SURFACE = Surface(
    names=Names(users={"U1": "Alice Adams", "U2": "Bob Baker"}),
    container={"container": "view", "view_id": "V1"},
    people=(("U1", "Alice Adams"), ("U2", "Bob Baker")),
    channels=(("C1", "#general"), ("C2", "#incidents")),
    id_prefix="v",
)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


SEVERITIES = [option("Low", "low"), option("High", "high")]


def field(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": {"action_id": block_id, **element},
    }


def every_input_modal() -> StoredView:
    workspace = Workspace("T1", "Team", "A1", "B1", "UBOT")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Tell us *what* happened"}},
        field("title", "Title", {"type": "plain_text_input", "initial_value": "DB <down>"}),
        field("details", "Details", {"type": "plain_text_input", "multiline": True}, optional=True),
        field(
            "severity",
            "Severity",
            {"type": "static_select", "options": SEVERITIES, "initial_option": SEVERITIES[1]},
        ),
        field("service", "Service", {"type": "external_select", "min_query_length": 0}, optional=True),
        field("who", "Commander", {"type": "users_select", "initial_user": "U2"}),
        field("where", "Channel", {"type": "conversations_select"}, optional=True),
        field("tags", "Tags", {"type": "multi_static_select", "options": SEVERITIES}, optional=True),
        field("team", "Team", {"type": "multi_users_select", "initial_users": ["U1", "U2"]}, optional=True),
        field("also", "Also in", {"type": "multi_conversations_select"}, optional=True),
        field("day", "Date", {"type": "datepicker", "initial_date": "2026-01-02"}),
        field("time", "Time", {"type": "timepicker", "initial_time": "14:30"}),
        field(
            "notify",
            "Notify",
            {"type": "checkboxes", "options": SEVERITIES, "initial_options": [SEVERITIES[0]]},
        ),
        field("mode", "Mode", {"type": "radio_buttons", "options": SEVERITIES}),
    ]
    view = new_view(
        workspace,
        "U1",
        {
            "type": "modal",
            "callback_id": "report",
            "title": plain("Report <Incident>"),
            "submit": plain("Report"),
            "close": plain("Not now"),
            "blocks": blocks,
        },
    )
    view.errors = {"title": "Give it a longer title"}
    return view


@pytest.fixture
def dialog() -> Element:
    return one(parse(render_view(every_input_modal(), SURFACE)), ".//div[@role='dialog']")


def control(dialog: Element, block_id: str) -> Element:
    return one(dialog, f".//*[@data-block-id='{block_id}']")


def test_dialog_is_named_by_its_title(dialog: Element) -> None:
    assert dialog.get("aria-modal") == "true"
    title = one(dialog, f".//*[@id='{dialog.get('aria-labelledby')}']")
    assert text_of(title) == "Report <Incident>"
    submit = one(dialog, ".//button[@type='submit']")
    assert submit.text == "Report"
    assert one(dialog, ".//button[@data-view-close]").text == "Not now"


@pytest.mark.parametrize(
    ("block_id", "label", "tag", "kind"),
    [
        ("title", "Title", "input", "text"),
        ("details", "Details (optional)", "textarea", None),
        ("severity", "Severity", "select", None),
        ("service", "Service (optional)", "select", None),
        ("who", "Commander", "select", None),
        ("where", "Channel (optional)", "select", None),
        ("tags", "Tags (optional)", "select", None),
        ("team", "Team (optional)", "select", None),
        ("also", "Also in (optional)", "select", None),
        ("day", "Date", "input", "date"),
        ("time", "Time", "input", "time"),
    ],
)
def test_inputs_are_labelled_and_required_unless_optional(
    dialog: Element, block_id: str, label: str, tag: str, kind: str | None
) -> None:
    element = control(dialog, block_id)
    assert element.tag == tag
    assert element.get("type") == kind
    assert label_for(dialog, element) == label
    required = not label.endswith("(optional)")
    assert ("required" in element.attrib) is required
    assert element.get("multiple") == ("" if block_id in {"tags", "team", "also"} else None)


def test_groups_are_fieldsets_with_legends(dialog: Element) -> None:
    notify, mode = control(dialog, "notify"), control(dialog, "mode")
    assert (notify.tag, text_of(one(notify, "legend")), notify.get("aria-required")) == (
        "fieldset",
        "Notify",
        "true",
    )
    assert [label_for(dialog, box) for box in notify.iterfind(".//input[@type='checkbox']")] == [
        "Low",
        "High",
    ]
    radios = mode.findall(".//input[@type='radio']")
    assert all("required" in radio.attrib for radio in radios)
    assert len({radio.get("name") for radio in radios}) == 1


def test_current_values_are_shown(dialog: Element) -> None:
    assert control(dialog, "title").get("value") == "DB <down>"
    chosen = {
        block_id: [
            o.get("value") for o in control(dialog, block_id).iterfind(".//option") if "selected" in o.attrib
        ]
        for block_id in ("severity", "who", "team")
    }
    assert chosen == {"severity": ["high"], "who": ["U2"], "team": ["U1", "U2"]}
    assert [o.text for o in control(dialog, "where").iterfind("option")] == [
        "Choose…",
        "#general",
        "#incidents",
    ]
    assert control(dialog, "day").get("value") == "2026-01-02"
    assert control(dialog, "time").get("value") == "14:30"
    checked = [
        b.get("value") for b in control(dialog, "notify").iterfind(".//input") if "checked" in b.attrib
    ]
    assert checked == ["low"]


def test_errors_show_under_their_input(dialog: Element) -> None:
    title = control(dialog, "title")
    error = one(dialog, f".//*[@id='{title.get('aria-describedby')}']")
    assert (text_of(error), error.get("role")) == ("Give it a longer title", "alert")
    assert title.get("aria-invalid") == "true"
    assert control(dialog, "details").get("aria-invalid") is None


def test_what_people_typed_wins_over_initial_values() -> None:
    view = every_input_modal()
    view.values["title"]["title"] = {"type": "plain_text_input", "value": "typed"}
    rendered = parse(render_view(view, SURFACE))
    assert one(rendered, ".//input[@data-block-id='title']").get("value") == "typed"


def test_home_tab_is_a_region_with_its_blocks() -> None:
    view = every_input_modal()
    home = one(parse(render_home(view, SURFACE)), "section")
    assert home.get("aria-label") == "Home"
    assert text_of(one(home, ".//div[@class='b-text']")) == "Tell us what happened"
