"""Participant rules: joining and leaving are idempotent, a one-holder role changes hands, an Observer who
takes part becomes a Participant once, and subscribing twice subscribes once."""

from __future__ import annotations

import pytest

from dispatchbot.domain import Incident, Role
from dispatchbot.mrkdwn import Mrkdwn
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock

JOINED = Mrkdwn("Joined the channel")


@pytest.fixture
def participants(database: Database, clock: ManualClock) -> ParticipantService:
    return ParticipantService(database.sessions, clock)


async def kinds(incidents: IncidentService, incident: Incident, kind: str) -> int:
    return [event.kind for event in await incidents.timeline(incident.id)].count(kind)


async def roles(participants: ParticipantService, incident: Incident) -> dict[str, frozenset[Role]]:
    return {member.user_id: member.roles for member in await participants.members(incident.id)}


async def test_joining_twice_adds_once(
    participants: ParticipantService, incidents: IncidentService, incident: Incident
) -> None:
    joined, added = await participants.add(incident.id, "U2", Role.OBSERVER, added_by=None, reason=JOINED)
    assert added
    assert joined.roles == {Role.OBSERVER}
    again, added_again = await participants.add(
        incident.id, "U2", Role.PARTICIPANT, added_by="U1", reason=Mrkdwn("Invited")
    )
    assert not added_again
    assert again.roles == {Role.OBSERVER}  # already in: the second add changes nothing
    assert again.added_reason == JOINED
    assert await kinds(incidents, incident, "participant_joined") == 1


async def test_leaving_twice_leaves_once_and_coming_back_adds_again(
    participants: ParticipantService, incidents: IncidentService, incident: Incident
) -> None:
    await participants.add(incident.id, "U2", Role.OBSERVER, added_by=None, reason=JOINED)
    left = await participants.leave(incident.id, "U2")
    assert left is not None
    assert (left.active, left.roles) == (False, frozenset())
    assert await participants.leave(incident.id, "U2") is None
    assert await participants.leave(incident.id, "U9") is None  # never was one
    assert "U2" not in await roles(participants, incident)
    assert await kinds(incidents, incident, "participant_left") == 1

    back, added = await participants.add(incident.id, "U2", Role.PARTICIPANT, added_by="U1", reason=JOINED)
    assert added
    assert (back.active, back.roles, back.added_by) == (True, {Role.PARTICIPANT}, "U1")
    assert await kinds(incidents, incident, "participant_joined") == 2


async def test_a_one_holder_role_changes_hands(
    participants: ParticipantService, incidents: IncidentService, incident: Incident
) -> None:
    change = await participants.assign_role(incident.id, "U2", Role.COMMANDER, "U1")
    assert (change.changed, change.previous_holder) == (True, "U1")
    assert change.participant.roles == {Role.COMMANDER}
    assert (await incidents.get(incident.id)).commander_id == "U2"
    assert await roles(participants, incident) == {
        "U1": {Role.REPORTER},  # steps down as commander, still the reporter
        "U2": {Role.COMMANDER},
    }
    [event] = [e for e in await incidents.timeline(incident.id) if e.kind == "role_assigned"]
    assert event.details == {"role": "commander", "user": "U2", "previous": "U1"}


async def test_a_previous_holder_left_without_roles_stays_as_a_participant(
    participants: ParticipantService, incident: Incident
) -> None:
    await participants.assign_role(incident.id, "U2", Role.SCRIBE, "U1")
    change = await participants.assign_role(incident.id, "U3", Role.SCRIBE, "U1")
    assert change.previous_holder == "U2"
    assert (await roles(participants, incident))["U2"] == {Role.PARTICIPANT}


async def test_assigning_a_role_someone_holds_changes_nothing(
    participants: ParticipantService, incidents: IncidentService, incident: Incident
) -> None:
    await participants.assign_role(incident.id, "U2", Role.SCRIBE, "U1")
    again = await participants.assign_role(incident.id, "U2", Role.SCRIBE, "U1")
    assert (again.changed, again.previous_holder) == (False, None)
    assert await kinds(incidents, incident, "role_assigned") == 1


async def test_a_role_replaces_observing_and_brings_back_one_who_left(
    participants: ParticipantService, incident: Incident
) -> None:
    await participants.add(incident.id, "U2", Role.OBSERVER, added_by=None, reason=JOINED)
    await participants.leave(incident.id, "U2")
    change = await participants.assign_role(incident.id, "U2", Role.LIAISON, "U1")
    assert change.participant.active
    assert change.participant.roles == {Role.LIAISON}


async def test_an_observer_who_takes_part_becomes_a_participant_once(
    participants: ParticipantService, incidents: IncidentService, incident: Incident
) -> None:
    first, promoted = await participants.record_message(incident.id, "U2", promote_after=3)
    assert (first.roles, first.message_count, promoted) == ({Role.OBSERVER}, 1, False)  # seen first here
    second, promoted = await participants.record_message(incident.id, "U2", promote_after=3)
    assert (second.roles, promoted) == ({Role.OBSERVER}, False)
    third, promoted = await participants.record_message(incident.id, "U2", promote_after=3)
    assert (third.roles, third.message_count, promoted) == ({Role.PARTICIPANT}, 3, True)
    fourth, promoted = await participants.record_message(incident.id, "U2", promote_after=3)
    assert (fourth.roles, promoted) == ({Role.PARTICIPANT}, False)
    assert await kinds(incidents, incident, "role_changed") == 1
    commander, promoted = await participants.record_message(incident.id, "U1", promote_after=1)
    assert (commander.roles, promoted) == ({Role.REPORTER, Role.COMMANDER}, False)


async def test_subscribing_twice_subscribes_once(
    participants: ParticipantService, incident: Incident
) -> None:
    assert await participants.subscribe(incident.id, "U2")
    assert not await participants.subscribe(incident.id, "U2")
    assert await participants.subscribers(incident.id) == ["U2"]
