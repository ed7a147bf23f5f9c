"""Participant writes that two replicas may make at the same moment stay exact."""

from __future__ import annotations

import asyncio

from dispatchbot.clock import SystemClock
from dispatchbot.domain import IncidentDraft, Role, Visibility
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.storage.engine import Database

DRAFT = IncidentDraft("Disk full", "", "Default", "Low", "Low", Visibility.OPEN)


async def test_concurrent_adds_of_one_person_make_one_participant(database: Database) -> None:
    incident = await IncidentService(database.sessions, SystemClock()).create("k", DRAFT, "U1", {})
    participants = ParticipantService(database.sessions, SystemClock())
    adds = [
        participants.add(incident.id, "U2", Role.OBSERVER, added_by=None, reason="joined") for _ in range(5)
    ]
    results = await asyncio.gather(*adds)
    assert sum(1 for _participant, added in results if added) == 1
    members = await participants.members(incident.id)
    assert sorted(member.user_id for member in members) == ["U1", "U2"]


async def test_after_hours_notice_is_claimed_once(database: Database) -> None:
    incident = await IncidentService(database.sessions, SystemClock()).create("k", DRAFT, "U1", {})
    participants = ParticipantService(database.sessions, SystemClock())
    claims = await asyncio.gather(
        *(participants.mark_after_hours_notified(incident.id, "U1") for _ in range(4))
    )
    assert claims.count(True) == 1
