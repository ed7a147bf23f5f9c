"""The pieces every builder uses: each bounds what it is given to Slack's limits."""

from __future__ import annotations

import pytest

from dispatchbot.blocks import common
from dispatchbot.mrkdwn import Mrkdwn, escape
from tests.blocks.limits import problems, valid_view
from tests.blocks.state import chosen, conversations, typed, user, users, values
from tests.blocks.texts import shown_escaped
from tests.support.escaping import HOSTILE

HUGE = "x" * 10_000


def test_clip_keeps_short_text_and_ends_long_text_with_an_ellipsis() -> None:
    assert common.clip("short", 10) == "short"
    assert common.clip("0123456789abc", 10) == "012345678…"


@pytest.mark.parametrize(
    "block",
    [
        common.section(Mrkdwn(HUGE)),
        common.context(Mrkdwn(HUGE)),
        common.header(HUGE),
        common.fields([("Label", Mrkdwn(HUGE))] * 12),
        common.buttons((HUGE, "act", "1")),
    ],
    ids=["section", "context", "header", "fields", "buttons"],
)
def test_blocks_clip_overlong_text_to_the_limit(block: dict[str, object]) -> None:
    assert problems(block) == []


def test_fields_keeps_the_first_ten() -> None:
    block = common.fields([(f"L{n}", Mrkdwn("v")) for n in range(12)])
    assert [field["text"] for field in block["fields"]][-1] == "*L9*\nv"


def test_section_and_context_show_escaped_text() -> None:
    shown_escaped([common.section(escape(HOSTILE)), common.context(escape(HOSTILE))])


def test_modal_bounds_title_buttons_blocks_and_metadata() -> None:
    view = common.modal("cb", HUGE, [common.divider()] * 120, submit=HUGE, close=HUGE, private_metadata=HUGE)
    valid_view(view)
    assert len(view["blocks"]) == common.MODAL_BLOCK_LIMIT
    assert view["title"]["text"] == "x" * 23 + "…"


def test_modal_without_submit_has_no_submit_button() -> None:
    assert "submit" not in common.modal("cb", "Title", [common.divider()])


def test_notice_modal_is_a_closeable_message() -> None:
    view = valid_view(common.notice_modal(HUGE, escape(HOSTILE)))
    assert view["close"]["text"] == "Close"
    shown_escaped(view["blocks"])


def test_inputs_are_valid_in_a_modal_and_bounded() -> None:
    many_choices = [(HUGE, HUGE)] * 120
    blocks = [
        common.text_input("text", HUGE, initial=HUGE, placeholder=HUGE, max_length=50),
        common.select_input("select", "Choose", many_choices, initial=HUGE[:150]),
        common.users_input("users", "People", multi=True, initial=["U1", "U2"]),
        common.users_input("user", "Person", initial=["U1"]),
        common.channels_input("channels", "Channels", initial=["C1"]),
    ]
    valid_view(common.modal("cb", "Inputs", blocks))
    assert len(blocks[1]["element"]["options"]) == common.MAX_OPTIONS
    assert blocks[1]["element"]["initial_option"]["value"] == HUGE[:150]
    assert blocks[3]["element"]["initial_user"] == "U1"


def test_select_input_without_a_matching_initial_preselects_nothing() -> None:
    block = common.select_input("select", "Choose", [("A", "a")], initial="gone")
    assert "initial_option" not in block["element"]


def test_option_value_defaults_to_its_text() -> None:
    assert common.option("High") == {"text": common.plain("High", 75), "value": "High"}


def test_state_value_reads_every_input_kind_and_defaults_when_empty() -> None:
    submitted = values(
        text=typed("hello"),
        select=chosen("a"),
        user=user("U1"),
        users=users("U1", "U2"),
        channels=conversations("C1"),
        empty=None,
    )
    read = {block_id: common.state_value(submitted, block_id) for block_id in submitted}
    assert read == {
        "text": "hello",
        "select": "a",
        "user": "U1",
        "users": ["U1", "U2"],
        "channels": ["C1"],
        "empty": "",
    }
    assert common.state_value(submitted, "missing") == ""
