"""The notifications-group modal, prefilled as the group is, and its parser of people, channels, emails."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.incidents import notifications_group
from dispatchbot.blocks.incidents.notifications_group import GroupForm
from dispatchbot.domain import Visibility
from dispatchbot.ids import BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_view
from tests.blocks.samples import ALICE, BOB, CHANNEL
from tests.blocks.state import conversations, elements, refused, typed, users, values
from tests.blocks.texts import mrkdwn

GROUP = GroupForm([ALICE, BOB], [CHANNEL], ["ops@example.com"])


def test_modal_is_prefilled_with_the_group() -> None:
    view = valid_view(notifications_group.group_modal(samples.incident(), GROUP))
    inputs = elements(view)
    assert inputs[BlockId.MEMBERS]["initial_users"] == [ALICE, BOB]
    assert inputs[BlockId.CHANNELS]["initial_conversations"] == [CHANNEL]
    assert inputs[BlockId.EMAILS]["initial_value"] == "ops@example.com"
    assert view["private_metadata"] == "7"


def test_an_empty_group_on_a_restricted_incident() -> None:
    restricted = samples.incident(visibility=Visibility.RESTRICTED)
    view = valid_view(notifications_group.group_modal(restricted, GroupForm([], [], [])))
    assert "only its participants can be notified" in mrkdwn(view)[0]
    inputs = [block["element"] for block in view["blocks"] if block["type"] == "input"]
    assert not any(key.startswith("initial") for element in inputs for key in element)


def test_parser_splits_lowercases_and_deduplicates() -> None:
    submitted = values(
        members=users(ALICE, ALICE, BOB),
        channels=conversations(CHANNEL),
        emails=typed("Ops@Example.com; ops@example.com,\nexecs@example.com"),
    )
    assert notifications_group.read_group_form(submitted) == GroupForm(
        [ALICE, BOB], [CHANNEL], ["ops@example.com", "execs@example.com"]
    )


def test_parser_accepts_an_empty_group() -> None:
    assert notifications_group.read_group_form(values(members=None, channels=None, emails=None)) == GroupForm(
        [], [], []
    )


@pytest.mark.parametrize(
    ("emails", "says"),
    [
        ("ops@example.com, not-an-address", "“not-an-address” is not an email address"),
        ("<!channel>@example.com", "is not an email address"),
        (", ".join(f"p{n}@example.com" for n in range(101)), "At most 100 addresses"),
    ],
)
def test_parser_refuses_bad_or_too_many_addresses(emails: str, says: str) -> None:
    errors = refused(lambda: notifications_group.read_group_form(values(emails=typed(emails))))
    assert says in errors[BlockId.EMAILS]


def test_saved_modal_counts_what_is_notified() -> None:
    view = valid_view(
        notifications_group.saved_modal(samples.incident(), GroupForm([ALICE], [], ["a@b.c"] * 2))
    )
    assert "INC-7 notifies 1 person, 0 channels, 2 email addresses." in mrkdwn(view)[0]
