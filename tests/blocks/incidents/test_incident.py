"""Messages about one incident: the pinned header, topic and purpose, welcome, tips, notifications."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.incidents import incident as blocks_of
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT, TITLE_LIMIT
from dispatchbot.config import CommandSettings
from dispatchbot.domain import DocumentKind, IncidentUpdate, PageStatus, ResourceStatus, Status, Visibility
from dispatchbot.ids import ActionId
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import ALICE, CAROL, LONG_TEXT, NOW
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

LONGEST = samples.incident(
    title="T" * TITLE_LIMIT, description="d" * DESCRIPTION_LIMIT, resolution="r" * DESCRIPTION_LIMIT
)


def test_topic_and_purpose_are_plain_text_within_250() -> None:
    incident = samples.incident(title=HOSTILE)
    assert blocks_of.topic(incident, "Bob & co") == (
        "⛑️ Bob & co | Status: Active | Type: Outage | Severity: High | Priority: P1"
    )
    assert blocks_of.purpose(incident, "") == f"INC-7 · {HOSTILE}"
    assert blocks_of.purpose(incident, "Payments") == "INC-7 · Payments"
    assert len(blocks_of.topic(samples.incident(incident_type="x" * 300), "Bob")) == blocks_of.TOPIC_LIMIT


def test_header_of_a_new_incident() -> None:
    text, blocks = blocks_of.header_message(samples.incident(id=12, description=""))
    valid_message((text, blocks))
    assert text == "INC-12: Checkout errors (Active)"
    assert blocks[0]["block_id"] == blocks_of.header_block_id(12) == "incident-header-12"
    assert len(blocks[1]["fields"]) == 8
    assert blocks[2]["text"]["text"] == "*Description*\n_No description yet._"
    assert [b["action_id"] for b in blocks[-1]["elements"]] == [
        ActionId.OPEN_UPDATE,
        ActionId.OPEN_ASSIGN_ROLE,
        ActionId.OPEN_TIMELINE,
        ActionId.JOIN_INCIDENT,
    ]


def test_header_at_the_longest_with_pages_and_documents_stays_within_limits() -> None:
    pages = [samples.page(id=n, status=status) for n, status in enumerate(PageStatus)] * 10
    failed = [samples.document(kind=kind.value, status=ResourceStatus.FAILED) for kind in DocumentKind]
    ready = [samples.document(), samples.document(kind="executive:5")]
    text, blocks = blocks_of.header_message(LONGEST, blocks_of.HeaderExtras(pages, [*ready, *failed]))
    valid_message((text, blocks))
    assert blocks[0]["text"]["text"].endswith("T…")
    retries = [b["elements"][0]["value"] for b in blocks if b["type"] == "actions"][:-1]
    assert retries == ["7:folder", "7:incident", "7:review"]  # at most three failures shown
    assert any("|Incident document> · :page_facing_up: <" in line for line in mrkdwn((text, blocks)))


@pytest.mark.parametrize(
    ("changes", "ends"),
    [
        ({}, "— waiting for acknowledgement"),
        ({"status": PageStatus.ACKNOWLEDGED, "acknowledged_at": NOW}, "— acknowledged at "),
        ({"status": PageStatus.ESCALATED, "escalated_at": NOW}, "— not acknowledged, escalated at "),
        ({"status": PageStatus.RESOLVED}, "— resolved"),
    ],
)
def test_page_line_shows_the_ack_loop(changes: dict[str, object], ends: str) -> None:
    line = blocks_of.page_line(samples.page(**changes))
    assert line.startswith(f":pager: Paged <@{CAROL}> via *Payments* at <!date^")
    assert ends in line


def test_page_line_escapes_a_provider_name() -> None:
    shown_escaped(blocks_of.page_line(samples.page(target_user_id=None, target_name=HOSTILE)))


def test_welcome_and_help_tips() -> None:
    welcome = blocks_of.welcome(LONGEST)
    valid_message(welcome)
    tips = blocks_of.help_tips(samples.incident(), CommandSettings())
    valid_message(tips)
    assert "`/dispatch-update-incident`" in mrkdwn(tips)[-1]


@pytest.mark.parametrize("status", list(Status))
def test_notification_has_buttons_while_open(status: Status) -> None:
    text, blocks = blocks_of.notification(samples.incident(status=status, description=LONG_TEXT), event="New")
    valid_message((text, blocks))
    assert text == "New: INC-7 Checkout errors"
    assert (blocks[-1]["type"] == "actions") is (status is not Status.CLOSED)
    assert len(blocks[2]["text"]["text"]) == 500


def test_change_message_lists_what_changed() -> None:
    after = samples.incident(status=Status.STABLE, visibility=Visibility.RESTRICTED, severity="Low")
    update = IncidentUpdate(samples.incident(), after, ("status", "severity", "visibility", "description"))
    text, blocks = blocks_of.change_message(update, ALICE)
    valid_message((text, blocks))
    assert blocks[1]["text"]["text"].splitlines() == [
        "*Status*: Active → Stable",
        "*Severity*: High → Low",
        "*Visibility*: Open → Restricted",
        "*Description* updated",
    ]


def test_money_is_whole_dollars() -> None:
    assert blocks_of.money(1234.5) == "$1,234"
    assert blocks_of.money(0) == "$0"


def test_typed_text_is_escaped_everywhere() -> None:
    hostile = samples.incident(
        title=HOSTILE, description=HOSTILE, resolution=HOSTILE, incident_type=HOSTILE, priority=HOSTILE
    )
    update = IncidentUpdate(samples.incident(), hostile, ("title", "incident_type"))
    for message in (
        blocks_of.header_message(hostile, blocks_of.HeaderExtras([samples.page(service=HOSTILE)])),
        blocks_of.welcome(hostile),
        blocks_of.help_tips(hostile, CommandSettings()),
        blocks_of.notification(hostile, event=HOSTILE),
        blocks_of.change_message(update, ALICE),
    ):
        shown_escaped(message)
