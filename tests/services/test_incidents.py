"""Incident rules: numbering, creation once per key, the creation participants, updates applied once, and
closing that renounces roles which reopening gives back."""

from __future__ import annotations

import asyncio

from dispatchbot.domain import Incident, Role, Status
from dispatchbot.mrkdwn import Mrkdwn
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock
from tests.support.drafts import DRAFT


async def test_incidents_are_numbered_in_order_of_creation(incidents: IncidentService) -> None:
    made = [await incidents.create(f"k{n}", DRAFT, "U1", {}) for n in range(3)]
    numbers = [incident.id for incident in made]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3


async def test_concurrent_creations_get_distinct_numbers(incidents: IncidentService) -> None:
    made = await asyncio.gather(*(incidents.create(f"k{n}", DRAFT, f"U{n}", {}) for n in range(5)))
    assert len({incident.id for incident in made}) == 5


async def test_one_key_makes_one_incident_even_when_submitted_at_once(
    database: Database, incidents: IncidentService
) -> None:
    made = await asyncio.gather(*(incidents.create("view:V1", DRAFT, "U1", {}) for _ in range(4)))
    assert len({incident.id for incident in made}) == 1
    [incident] = made[:1]
    members = await ParticipantService(database.sessions, ManualClock()).members(incident.id)
    assert [member.user_id for member in members] == ["U1"]
    kinds = [event.kind for event in await incidents.timeline(incident.id)]
    assert kinds == ["created"]


async def test_the_reporter_commands_unless_someone_else_was_named(
    database: Database, incidents: IncidentService
) -> None:
    participants = ParticipantService(database.sessions, ManualClock())
    alone = await incidents.create("k1", DRAFT, "U1", {})
    assert alone.commander_id == alone.reporter_id == "U1"
    reporter = await participants.get(alone.id, "U1")
    assert reporter is not None
    assert reporter.roles == {Role.REPORTER, Role.COMMANDER}

    staffed = await incidents.create("k2", DRAFT, "U1", {Role.COMMANDER: "U2", Role.SCRIBE: "U3"})
    assert (staffed.reporter_id, staffed.commander_id) == ("U1", "U2")
    roles = {member.user_id: member.roles for member in await participants.members(staffed.id)}
    assert roles == {"U1": {Role.REPORTER}, "U2": {Role.COMMANDER}, "U3": {Role.SCRIBE}}
    commander = await participants.get(staffed.id, "U2")
    assert commander is not None
    assert commander.added_by == "U1"


async def test_an_update_changes_only_what_differs_with_one_event_per_field(
    incidents: IncidentService, incident: Incident
) -> None:
    result = await incidents.update(incident.id, {"severity": "High", "title": incident.title}, "U1")
    assert result.changed == ("severity",)
    assert (result.before.severity, result.after.severity) == ("Low", "High")
    nothing = await incidents.update(incident.id, {"severity": "High"}, "U1")
    assert nothing.changed == ()
    kinds = [event.kind for event in await incidents.timeline(incident.id)]
    assert kinds.count("severity_changed") == 1


async def test_a_keyed_update_is_applied_once_and_answers_the_same_again(
    incidents: IncidentService, incident: Incident
) -> None:
    first = await incidents.update(incident.id, {"severity": "High"}, "U1", key="run-1")
    await incidents.update(incident.id, {"severity": "Medium"}, "U1")
    again = await incidents.update(incident.id, {"severity": "High"}, "U1", key="run-1")
    assert again.changed == first.changed == ("severity",)
    assert (again.before.severity, again.after.severity) == ("Low", "High")
    assert (await incidents.get(incident.id)).severity == "Medium"  # not applied a second time


async def test_closing_renounces_every_role_and_reopening_gives_them_back(
    database: Database, clock: ManualClock, incidents: IncidentService, incident: Incident
) -> None:
    participants = ParticipantService(database.sessions, clock)
    await participants.add(incident.id, "U2", Role.OBSERVER, added_by=None, reason=Mrkdwn("joined"))
    clock.advance(hours=1)
    closed = (await incidents.update(incident.id, {"status": Status.CLOSED}, "U1")).after
    assert closed.closed_at == clock.now()
    assert closed.stable_at == clock.now()  # closed straight from Active: stable at the same moment
    assert {member.user_id: member.roles for member in await participants.members(incident.id)} == {
        "U1": frozenset(),
        "U2": frozenset(),
    }
    assert await participants.last_roles(incident.id, "U1") == {Role.REPORTER, Role.COMMANDER}

    clock.advance(hours=1)
    reopened = (await incidents.update(incident.id, {"status": Status.ACTIVE}, "U1")).after
    assert reopened.closed_at is None
    assert {member.user_id: member.roles for member in await participants.members(incident.id)} == {
        "U1": {Role.REPORTER, Role.COMMANDER},
        "U2": {Role.OBSERVER},
    }


async def test_status_entered_at_follows_the_latest_status_change(
    clock: ManualClock, incidents: IncidentService, incident: Incident
) -> None:
    assert await incidents.status_entered_at(incident.id) == incident.created_at
    clock.advance(minutes=5)
    await incidents.update(incident.id, {"status": Status.STABLE}, "U1")
    clock.advance(minutes=5)
    await incidents.update(incident.id, {"status": Status.ACTIVE}, "U1")
    assert await incidents.status_entered_at(incident.id) == clock.now()
