"""The participant listing (role holders first, bounded) and the Update Participant modal and parser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.blocks.incidents import participants
from dispatchbot.domain import Role
from dispatchbot.ids import BlockId
from dispatchbot.mrkdwn import Mrkdwn, escape
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CAROL, NOW
from tests.blocks.state import elements, refused, typed, user, view
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_role_holders_come_first_then_by_arrival() -> None:
    later = samples.participant(user_id=ALICE, joined_at=NOW + timedelta(hours=1))
    earlier = samples.participant(user_id=BOB)
    commander = samples.participant(
        user_id=CAROL, roles=frozenset({Role.COMMANDER}), joined_at=NOW + timedelta(2)
    )
    message = participants.participant_list(samples.incident(), [later, earlier, commander])
    valid_message(message)
    assert message[0] == "3 participants in INC-7"
    lines = mrkdwn(message)[2:]
    assert [line.split(" — ")[0] for line in lines] == [f"<@{CAROL}>", f"<@{BOB}>", f"<@{ALICE}>"]


def test_a_line_without_roles_adder_or_reason() -> None:
    bare = samples.participant(roles=frozenset(), added_by=None, added_reason=Mrkdwn(""), message_count=1)
    line = mrkdwn(participants.participant_list(samples.incident(), [bare]))[-1]
    assert line.startswith(f"<@{BOB}> — *No role*\nAdded by the bot · no reason given\nJoined <!date^")
    assert line.endswith(" · 1 message")


def test_sixty_participants_fit_and_the_rest_are_counted() -> None:
    message = participants.participant_list(samples.incident(), samples.many(samples.participant, 60))
    blocks = valid_message(message)
    assert len(blocks) == 50
    assert mrkdwn(message)[-1] == "…and 13 more."


def test_update_modal_is_prefilled_with_the_reason_as_typed() -> None:
    caller = samples.participant(added_reason=escape("a < b & c"))
    modal = valid_view(participants.update_participant_modal(samples.incident(), caller))
    inputs = elements(modal)
    assert inputs[BlockId.PERSON]["initial_user"] == BOB
    assert inputs[BlockId.REASON]["initial_value"] == "a < b & c"


def test_parser_reads_the_person_and_reason() -> None:
    form = participants.read_reason_form(view("7", person=user(BOB), reason=typed("  knows the DB  ")))
    assert form == participants.ReasonForm(7, BOB, "knows the DB")


@pytest.mark.parametrize(
    ("person", "reason", "wrong"),
    [
        (None, typed("x"), {BlockId.PERSON}),
        (user(BOB), typed("   "), {BlockId.REASON}),
        (user(BOB), typed("x" * 501), {BlockId.REASON}),
        (None, None, {BlockId.PERSON, BlockId.REASON}),
    ],
)
def test_parser_names_the_fields_to_fix(person: dict | None, reason: dict | None, wrong: set[str]) -> None:
    assert set(refused(lambda: participants.read_reason_form(view(person=person, reason=reason)))) == wrong


def test_typed_reason_is_escaped() -> None:
    hostile = samples.participant(added_reason=escape(HOSTILE))
    incident = samples.incident(title=HOSTILE)
    shown_escaped(participants.participant_list(incident, [hostile]))
    shown_escaped(valid_view(participants.reason_updated_modal(incident, hostile))["blocks"])


def test_role_labels_in_role_order() -> None:
    assert (
        participants.role_labels(frozenset({Role.OBSERVER, Role.COMMANDER})) == "Incident Commander, Observer"
    )
