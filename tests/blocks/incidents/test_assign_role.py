"""The Assign Role modal, its parser, and what the channel is told."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.incidents import assign_role
from dispatchbot.domain import Role
from dispatchbot.errors import UserFacingError
from dispatchbot.ids import BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CAROL
from tests.blocks.state import chosen, refused, user, view
from tests.blocks.texts import mrkdwn


def test_modal_offers_every_assignable_role_and_carries_the_incident() -> None:
    modal = valid_view(assign_role.assign_role_modal(samples.incident(id=12)))
    role_input = next(block for block in modal["blocks"] if block.get("block_id") == BlockId.ROLE)
    offered = [option["value"] for option in role_input["element"]["options"]]
    assert offered == [role.value for role in assign_role.ASSIGNABLE_ROLES]
    assert Role.PARTICIPANT.value not in offered
    assert modal["private_metadata"] == "12"


def test_parser_reads_person_role_and_incident() -> None:
    form = assign_role.read_assign_role_form(view("12", person=user(BOB), role=chosen("scribe")))
    assert form == assign_role.RoleForm(12, BOB, Role.SCRIBE)


@pytest.mark.parametrize(
    ("person", "role", "wrong"),
    [(None, chosen("scribe"), {BlockId.PERSON}), (user(BOB), chosen("participant"), {BlockId.ROLE})],
)
def test_parser_names_the_field_to_fix(person: dict | None, role: dict, wrong: set[str]) -> None:
    assert set(refused(lambda: assign_role.read_assign_role_form(view(person=person, role=role)))) == wrong


@pytest.mark.parametrize("metadata", ["", "not-an-id"])
def test_a_form_without_an_incident_id_is_stale(metadata: str) -> None:
    with pytest.raises(UserFacingError, match="no longer matches"):
        assign_role.incident_id_from({"private_metadata": metadata})


def test_role_assigned_names_who_stepped_down() -> None:
    message = assign_role.role_assigned(ALICE, BOB, Role.SCRIBE, CAROL)
    valid_message(message)
    assert message[0] == f"<@{ALICE}> assigned Scribe to <@{BOB}>. <@{CAROL}> stepped down as Scribe."
    assert "stepped down" not in assign_role.role_assigned(ALICE, BOB, Role.SCRIBE, None)[0]


def test_notice_modals_say_what_happens() -> None:
    incident = samples.incident()
    assigning = valid_view(assign_role.assigning_modal(incident, BOB, Role.LIAISON))
    held = valid_view(assign_role.nothing_to_do_modal(incident, BOB, Role.SCRIBE, frozenset({Role.SCRIBE})))
    other = valid_view(assign_role.nothing_to_do_modal(incident, BOB, Role.LIAISON, frozenset({Role.SCRIBE})))
    assert "is becoming Liaison of *INC-7*" in mrkdwn(assigning)[0]
    assert "is already Scribe of *INC-7*. Nothing changed." in mrkdwn(held)[0]
    assert "as Scribe; making them Liaison would change nothing" in mrkdwn(other)[0]
