"""The timeline: command text prefill, the Add Event modal and parser, captured messages, the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from dispatchbot.blocks.incidents import timeline
from dispatchbot.blocks.incidents.timeline import EventForm, Prefill
from dispatchbot.ids import ActionId, BlockId
from dispatchbot.mrkdwn import Mrkdwn, escape, mention
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, NOW
from tests.blocks.state import chosen, elements, picked, refused, typed, values
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


@pytest.mark.parametrize(
    ("text", "prefill"),
    [
        ("DB failover DATE 2026-4-3 TIME 9:05", Prefill("DB failover", date(2026, 4, 3), time(9, 5))),
        ("DESC  restarted   pods", Prefill("restarted pods", None, None)),
        ("DATE 2026-13-40 TIME 25:99 odd", Prefill("DATE 2026-13-40 TIME 25:99 odd", None, None)),
        ("", Prefill("", None, None)),
    ],
)
def test_command_text_prefills_description_date_and_time(text: str, prefill: Prefill) -> None:
    assert timeline.parse_command_text(text) == prefill


def test_add_event_modal_defaults_to_now_in_the_persons_zone() -> None:
    view = valid_view(
        timeline.add_event_modal(samples.incident(), Prefill("x" * 5000, None, None), "Europe/Berlin", NOW)
    )
    inputs = elements(view)
    assert inputs[BlockId.DATE]["initial_date"] == "2026-05-01"
    assert inputs[BlockId.TIME]["initial_time"] == "11:30"
    assert [o["value"] for o in inputs[BlockId.TIMEZONE]["options"]] == ["Europe/Berlin", "UTC"]
    assert len(inputs[BlockId.DESCRIPTION]["initial_value"]) == timeline.DESCRIPTION_LIMIT


def submitted(**changes: dict[str, str] | None) -> dict[str, object]:
    entries = {
        BlockId.DESCRIPTION: typed(" Failover "),
        BlockId.DATE: picked("selected_date", "2026-05-01"),
        BlockId.TIME: picked("selected_time", "11:00"),
        BlockId.TIMEZONE: chosen("Europe/Berlin"),
    }
    return values(**{**entries, **changes})


def test_parser_converts_the_time_to_utc() -> None:
    form = timeline.read_event_form(submitted(), NOW)
    assert form == EventForm("Failover", datetime(2026, 5, 1, 9, 0, tzinfo=UTC), "Europe/Berlin")


@pytest.mark.parametrize(
    "changes",
    [
        {BlockId.DESCRIPTION: typed("  ")},
        {BlockId.DESCRIPTION: typed("x" * 3001)},
        {BlockId.DATE: None},
        {BlockId.TIME: picked("selected_time", "25:00")},
        {BlockId.TIMEZONE: chosen("Mars/Olympus")},
        {BlockId.DATE: picked("selected_date", "2026-05-02")},  # tomorrow: in the future
        {BlockId.TIME: picked("selected_time", "11:32")},  # a minute and more ahead
    ],
)
def test_parser_names_the_field_to_fix(changes: dict[str, dict[str, str] | None]) -> None:
    assert set(refused(lambda: timeline.read_event_form(submitted(**changes), NOW))) == set(changes)


def test_confirmation_shows_the_typed_text_escaped() -> None:
    message = timeline.confirmation(ALICE, EventForm(HOSTILE, NOW, "UTC"))
    valid_message(message)
    shown_escaped(message)
    assert timeline.format_utc(NOW) == "2026-05-01 09:30"


def test_captured_text_can_never_notify_again() -> None:
    sent = f"&lt;b&gt; <@{BOB}> <@U0NOBODY> <!here> <!channel|@channel> <!subteam^S1|@ops> <!subteam^S2>"
    assert timeline.mentioned_users(sent) == [BOB, "U0NOBODY"]
    captured = timeline.captured_text(sent, {BOB: HOSTILE})
    assert captured.startswith("&lt;b&gt; @")
    assert captured.endswith(" @U0NOBODY @here @channel @ops @group")
    shown_escaped(captured)


def test_event_line_leaves_out_an_actor_already_named_and_links_the_message() -> None:
    named = samples.event(description=Mrkdwn(f"{mention(ALICE)} changed the title"), actor_id=ALICE)
    linked = samples.event(details={"permalink": "https://slack.example/p1"}, actor_id=None)
    assert timeline.event_line(named) == f"*2026-05-01 09:30* · <@{ALICE}> changed the title"
    assert (
        timeline.event_line(linked)
        == "*2026-05-01 09:30* · Failover started (<https://slack.example/p1|message>)"
    )
    assert timeline.event_line(samples.event()) == f"*2026-05-01 09:30* · <@{ALICE}> · Failover started"


def test_a_long_captured_message_keeps_its_link() -> None:
    """The link to the message is what a reader of a clipped one needs (a bug once clipped it away)."""
    long = samples.event(description=escape("<" * 3000), details={"permalink": "https://slack.example/p1"})
    view = timeline.timeline_modal(samples.incident(), [long], page=None, page_size=40, hint=Mrkdwn("h"))
    valid_view(view)
    assert mrkdwn(view)[1].endswith("… (<https://slack.example/p1|message>)")


def test_an_empty_timeline() -> None:
    view = valid_view(
        timeline.timeline_modal(samples.incident(), [], page=None, page_size=40, hint=Mrkdwn("h"))
    )
    assert "_Nothing on the timeline yet._" in mrkdwn(view)
    assert not any(block["type"] == "actions" for block in view["blocks"])


PREVIOUS, NEXT = ActionId.TIMELINE_PREVIOUS, ActionId.TIMELINE_NEXT


@pytest.mark.parametrize(
    ("page", "shown", "buttons"),
    [(None, 3, [(PREVIOUS, "7:1")]), (0, 1, [(NEXT, "7:1")]), (1, 2, [(PREVIOUS, "7:0"), (NEXT, "7:2")])],
)
def test_pages_of_a_long_timeline(page: int | None, shown: int, buttons: list[tuple[str, str]]) -> None:
    """`page` None opens the last; every page has a way to the others."""
    events = [samples.event(id=n, occurred_at=NOW + timedelta(minutes=n)) for n in range(100)]
    view = timeline.timeline_modal(samples.incident(), events, page=page, page_size=40, hint=Mrkdwn("h"))
    valid_view(view)
    assert f"100 events · page {shown} of 3" in mrkdwn(view)[0]
    navigation = next(block for block in view["blocks"] if block["type"] == "actions")
    assert [(button["action_id"], button["value"]) for button in navigation["elements"]] == buttons


def test_page_value_is_read_back() -> None:
    assert timeline.read_page_value("7:2") == (7, 2)
    assert timeline.read_page_value("7") == (7, 0)


def test_zone_or_utc_falls_back_to_utc() -> None:
    assert timeline.zone_or_utc("Nowhere/Special").key == "UTC"
    assert timeline.zone_or_utc("").key == "UTC"
    assert timeline.zone_or_utc("Europe/Berlin").key == "Europe/Berlin"
