"""The shared incident-creation helper works (other end-to-end tests build on it)."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Role, Status
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.incidents import report_incident


async def test_report_incident_helper(bot: Running, slack: FakeSlack, alice: User, general: Channel) -> None:
    incident, channel = await report_incident(bot, slack, alice, general, Title="Queue backlog")
    assert incident.channel_id == channel.id
    assert incident.status is Status.ACTIVE
    participants = await bot.deps.participants.members(incident.id)
    assert [(p.user_id, p.roles) for p in participants] == [
        (alice.id, frozenset({Role.REPORTER, Role.COMMANDER}))
    ]
