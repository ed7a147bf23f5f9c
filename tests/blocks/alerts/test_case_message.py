"""A case's message in each state, its resolve modal, and the replies in its thread."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dispatchbot.alerting.cases import CaseEntry, CaseStatus, ResolutionReason
from dispatchbot.blocks.alerts.case_message import (
    case_event_reply,
    case_message,
    case_moved,
    payload_reply,
    resolve_modal,
)
from dispatchbot.blocks.common import state_value
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import escape, unescape
from tests.blocks.alerts import samples
from tests.blocks.alerts.test_alert_message import actions, field
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CHANNEL, NOW
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

TRIAGE = ("Triage", ActionId.TRIAGE_CASE, "3")
RESOLVE = ("Resolve", ActionId.OPEN_RESOLVE_CASE, "3")
REOPEN = ("Re-open", ActionId.REOPEN_CASE, "3")
ESCALATE = ("Escalate", ActionId.ESCALATE_CASE, "3")
JOIN = ("Join incident", ActionId.JOIN_INCIDENT, "7")
SNOOZE = ("Snooze", ActionId.OPEN_SNOOZE_CASE, "3")
EDIT = ("Edit", ActionId.OPEN_EDIT_CASE, "3")
CHANNEL_BUTTON = ("Create channel", ActionId.CREATE_CASE_CHANNEL, "3")


def notes(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def test_a_new_case() -> None:
    text, blocks = message = case_message(samples.case())
    valid_message(message)
    assert text == "CASE-3: Disk 95% on db1 (New)"
    assert blocks[0]["text"]["text"] == ":new: *CASE-3* · Disk 95% on db1"
    assert blocks[1]["text"]["text"] == "The data volume of db1 is almost full."
    assert field(blocks, "Status") == "New"
    assert field(blocks, "Assignee") == "Unassigned"
    assert field(blocks, "Type") == "Infrastructure"
    assert field(blocks, "Priority") == "Medium"
    assert field(blocks, "Participants") == "nobody"
    assert notes(blocks) == ["We observed 1 alert. Raw payload of the first alert in the thread."]
    assert actions(blocks) == [TRIAGE, RESOLVE, EDIT, CHANNEL_BUTTON, ESCALATE, SNOOZE]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CaseStatus.NEW, [TRIAGE, RESOLVE, EDIT, CHANNEL_BUTTON, ESCALATE, SNOOZE]),
        (CaseStatus.TRIAGE, [RESOLVE, EDIT, CHANNEL_BUTTON, ESCALATE, SNOOZE]),
        (CaseStatus.STABLE, [RESOLVE, EDIT, CHANNEL_BUTTON, ESCALATE, SNOOZE]),
        (CaseStatus.ESCALATED, [JOIN, EDIT, SNOOZE]),
        (CaseStatus.CLOSED, [REOPEN]),
    ],
)
def test_buttons_by_state(status: CaseStatus, expected: list[tuple[str, str, str]]) -> None:
    message = case_message(samples.case(status=status, incident_id=samples.incident_id(status)))
    valid_message(message)
    assert actions(message[1]) == expected
    assert message[0] == f"CASE-3: Disk 95% on db1 ({status.label})"


def test_people_are_mentioned_in_the_blocks_and_counted_beyond_the_first() -> None:
    people = tuple(f"U{n:07d}" for n in range(45))
    _, blocks = case_message(samples.case(assignee=ALICE, participants=people))
    assert field(blocks, "Assignee") == f"<@{ALICE}>"
    shown = field(blocks, "Participants")
    assert shown.startswith("<@U0000000>, <@U0000001>, ")
    assert shown.endswith("<@U0000029> +15 more")


@pytest.mark.parametrize(
    ("count", "said"), [(2, "We observed 2 alerts."), (12345, "We observed 12,345 alerts.")]
)
def test_the_alert_count(count: int, said: str) -> None:
    _, blocks = case_message(samples.case(alert_count=count, signal=""))
    assert notes(blocks) == [said]


def test_a_case_opened_by_hand_has_no_alert_notes() -> None:
    _, blocks = case_message(samples.case(signal="", alert_count=0, reporter=BOB))
    assert notes(blocks) == []


def test_the_notification_text_never_mentions_anyone() -> None:
    for status in CaseStatus:
        hostile = samples.case(status=status, title=HOSTILE, assignee=ALICE, participants=(ALICE, BOB))
        text, _ = case_message(hostile, incident_channel=CHANNEL)
        assert text.startswith("CASE-3: &lt;!channel&gt;")
        assert "<" not in text


def test_create_channel_asks_first_and_goes_once_the_case_has_a_channel() -> None:
    _, blocks = message = case_message(samples.case(status=CaseStatus.TRIAGE))
    valid_message(message)
    (button,) = [e for e in blocks[-1]["elements"] if e["action_id"] == ActionId.CREATE_CASE_CHANNEL]
    assert button["confirm"]["text"]["text"] == "Move CASE-3 to its own channel?"
    assert [e for e in blocks[-1]["elements"] if e is not button and "confirm" in e] == []
    _, blocks = case_message(samples.case(status=CaseStatus.TRIAGE), own_channel=True)
    assert actions(blocks) == [RESOLVE, EDIT, ESCALATE, SNOOZE]


def test_the_old_message_of_a_moved_case_points_at_its_channel() -> None:
    text, blocks = message = case_moved(samples.case(title=HOSTILE), CHANNEL)
    valid_message(message)
    shown_escaped(message)
    assert text == "CASE-3 moved to its own channel"
    assert mrkdwn(blocks)[0].endswith(f"\nMoved to <#{CHANNEL}>.")
    assert actions(blocks) == []


def test_escalated_links_the_incident_channel_once_known() -> None:
    _, blocks = case_message(samples.case(status=CaseStatus.ESCALATED), incident_channel=CHANNEL)
    assert notes(blocks)[0].endswith(f"Escalated to <#{CHANNEL}>.")
    _, blocks = case_message(samples.case(status=CaseStatus.ESCALATED))
    assert "Escalated" not in " ".join(notes(blocks))


def test_closed_shows_its_resolution_and_offers_to_reopen() -> None:
    text, blocks = message = case_message(samples.closed_case())
    valid_message(message)
    assert text == "CASE-3: Disk 95% on db1 (Closed)"
    assert ":heavy_check_mark: Closed as False Positive: A load test filled the disk." in mrkdwn(blocks)
    assert actions(blocks) == [REOPEN]


def test_closed_resolution_is_escaped_and_clipped() -> None:
    message = case_message(samples.closed_case(resolution=HOSTILE * 100, resolution_reason=None))
    valid_message(message)
    shown_escaped(message)
    closed = next(t for t in mrkdwn(message) if "Closed:" in t)
    assert closed.startswith(":heavy_check_mark: Closed: " + escape(HOSTILE))
    assert closed.endswith("…")


def test_long_text_is_clipped_within_slacks_limits() -> None:
    text, blocks = message = case_message(samples.case(title="x" * 10_000, description="y" * 10_000))
    valid_message(message)
    assert len(text) < 200
    assert len(blocks[1]["text"]["text"]) == 2500


def test_the_resolve_modal() -> None:
    view = valid_view(resolve_modal(samples.case(title=HOSTILE)))
    assert view["callback_id"] == CallbackId.RESOLVE_CASE
    assert view["private_metadata"] == "3"
    assert view["title"]["text"] == "Resolve case"
    assert view["submit"]["text"] == "Resolve"
    shown_escaped(view["blocks"])
    reason, resolution = (b for b in view["blocks"] if b["type"] == "input")
    assert reason["block_id"] == BlockId.REASON
    assert reason["element"]["type"] == "static_select"
    assert "initial_option" not in reason["element"]
    assert [o["value"] for o in reason["element"]["options"]] == [r.value for r in ResolutionReason]
    assert resolution["block_id"] == BlockId.RESOLUTION
    assert resolution["element"]["multiline"] is True
    assert resolution["element"]["max_length"] == 3000
    assert not reason["optional"]
    assert not resolution["optional"]


def test_the_resolve_modal_reads_back_with_state_value() -> None:
    view = resolve_modal(samples.case())
    values = {
        block["block_id"]: {block["element"]["action_id"]: answer}
        for block, answer in zip(
            (b for b in view["blocks"] if b["type"] == "input"),
            (
                {"type": "static_select", "selected_option": {"value": "Benign"}},
                {"type": "plain_text_input", "value": "drill"},
            ),
            strict=True,
        )
    }
    assert state_value(values, BlockId.REASON) == "Benign"
    assert state_value(values, BlockId.RESOLUTION) == "drill"


def test_a_reopened_case_is_resolved_again_from_its_resolution() -> None:
    view = resolve_modal(samples.closed_case(status=CaseStatus.TRIAGE))
    (resolution,) = [b for b in view["blocks"] if b.get("block_id") == BlockId.RESOLUTION]
    assert resolution["element"]["initial_value"] == "A load test filled the disk."


def test_the_payload_reply_is_escaped_json() -> None:
    payload = {"alertname": "DiskFull", "summary": HOSTILE}
    text, blocks = message = payload_reply("prometheus", "1a30ba71", payload)
    valid_message(message)
    assert text == "Raw payload of the first alert from prometheus"
    code = blocks[0]["text"]["text"]
    assert code.startswith("```\n")
    assert code.endswith("\n```")
    assert json.loads(unescape(code.removeprefix("```").removesuffix("```"))) == payload
    shown_escaped(message)
    assert notes(blocks) == ["First alert from *prometheus* · key `1a30ba71`"]


def test_a_huge_payload_is_clipped_inside_its_code_block() -> None:
    message = payload_reply("prometheus", "k", {"labels": {f"k{n}": "&" * 50 for n in range(200)}})
    valid_message(message)
    code = message[1][0]["text"]["text"]
    assert len(code) <= 3000
    assert code.endswith("…\n```")
    shown_escaped(message, "&" * 5)


@pytest.mark.parametrize(
    ("action", "detail", "said"),
    [
        ("opened", "", ":new: <@U0ALICE1> opened CASE-3"),
        ("triaged", "", ":mag: <@U0ALICE1> moved CASE-3 to Triage"),
        (
            "resolved",
            "False Positive: a load test",
            ":heavy_check_mark: <@U0ALICE1> closed CASE-3 as False Positive: a load test",
        ),
        ("reopened", "", ":leftwards_arrow_with_hook: <@U0ALICE1> re-opened CASE-3"),
        ("escalated", "INC-7", ":rotating_light: <@U0ALICE1> escalated CASE-3 to INC-7"),
        ("edited", "priority Medium → High", ":pencil2: <@U0ALICE1> edited CASE-3: priority Medium → High"),
        ("assigned", "U0BOB002", ":bust_in_silhouette: <@U0ALICE1> assigned CASE-3 to <@U0BOB002>"),
        ("assigned", "", ":bust_in_silhouette: <@U0ALICE1> assigned CASE-3 to nobody"),
        ("renamed", "new title", "<@U0ALICE1> · renamed · CASE-3: new title"),
        ("channel_requested", "", ":hourglass_flowing_sand: <@U0ALICE1> asked for a channel for CASE-3"),
        (
            "channel_created",
            f"{CHANNEL} 1700000000.000100",
            f":twisted_rightwards_arrows: <@U0ALICE1> moved CASE-3 from <#{CHANNEL}> to its own channel",
        ),
    ],
)
def test_timeline_replies(action: str, detail: str, said: str) -> None:
    message = case_event_reply(CaseEntry(NOW, ALICE, action, detail), samples.case())
    valid_message(message)
    assert message[0] == said
    assert message[1][0]["text"]["text"] == said


def test_an_actor_that_is_no_slack_id_is_shown_as_text() -> None:
    text, _ = case_event_reply(CaseEntry(NOW, "dispatchbot", "opened"), samples.case())
    assert text == ":new: dispatchbot opened CASE-3"
    message = case_event_reply(CaseEntry(NOW, HOSTILE, "resolved", HOSTILE), samples.case())
    shown_escaped(message)
