"""Join and Subscribe, end to end: from a notification, with every refusal, and no leak of restricted ones."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from dispatchbot.app import Running
from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.config import NotificationSettings
from dispatchbot.domain import Incident, Role
from dispatchbot.flows import notify
from dispatchbot.testing import Channel, FakeSlack, Message, User
from dispatchbot.testing.slack.block_kit import assign_ids
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.incidents import report_incident
from tests.support.waiting import eventually

INVISIBLE = "That incident does not exist or is not visible to you."


@pytest.fixture
def announcements(slack: FakeSlack) -> Channel:
    return slack.add_channel("incidents", members=[slack.bot_user_id])


@pytest.fixture
def carol(slack: FakeSlack, announcements: Channel) -> User:
    user = slack.add_user("carol", real_name="Carol Chen")
    announcements.members.append(user.id)
    return user


@pytest.fixture
async def notifying_bot(
    slack: FakeSlack, database_url: str, start_bot: StartBot, announcements: Channel
) -> Running:
    settings = bot_settings(slack, database_url)
    settings = settings.model_copy(update={"notifications": [NotificationSettings(channel=announcements.id)]})
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    return running


class Notified(NamedTuple):
    """An incident and its notification in #incidents, where carol sees it."""

    incident: Incident
    channel: Channel
    message: Message


@pytest.fixture
async def notified(
    notifying_bot: Running, slack: FakeSlack, alice: User, general: Channel, announcements: Channel
) -> Notified:
    """INC-1, reported by alice, once its notification is in #incidents."""
    incident, channel = await report_incident(notifying_bot, slack, alice, general)
    return Notified(incident, channel, await notification_of(slack, announcements, incident))


async def notification_of(slack: FakeSlack, channel: Channel, incident: Incident) -> Message:
    def found() -> Message | None:
        return next((m for m in slack.messages(channel.id) if incident.reference in m.text), None)

    await eventually(lambda: found() is not None, what=f"the notification of {incident.reference}")
    message = found()
    assert message is not None
    return message


async def answers(slack: FakeSlack, channel: Channel, user: User, count: int) -> list[str]:
    await eventually(lambda: len(slack.ephemerals(channel.id, user.id)) >= count, what=f"answer {count}")
    return [ephemeral.text for ephemeral in slack.ephemerals(channel.id, user.id)]


def crafted_notification(slack: FakeSlack, channel: Channel, incident: Incident) -> Message:
    """A notification the bot never sent (it never notifies about restricted incidents): a forged click."""
    text, blocks = incident_blocks.notification(incident, event="New incident")
    message = Message(
        channel=channel.id, ts=slack.workspace.next_ts(), user=slack.bot_user_id, text=text, blocks=blocks
    )
    message.blocks = assign_ids(message.blocks)
    return slack.workspace.add_message(message)


async def test_join_invites_once_and_makes_an_observer(
    notifying_bot: Running, slack: FakeSlack, announcements: Channel, carol: User, notified: Notified
) -> None:
    incident, channel, message = notified
    person = slack.as_user(carol)

    assert (await person.click(message, "Join")).ok
    texts = await answers(slack, announcements, carol, 1)
    assert texts == [f":white_check_mark: You're in: <#{channel.id}> (INC-1)."]
    assert carol.id in channel.members
    participant = await notifying_bot.deps.participants.get(incident.id, carol.id)
    assert participant is not None
    assert participant.active
    assert participant.roles == {Role.OBSERVER}
    assert participant.added_reason == "Joined from a notification"

    # Clicks on the same button within a moment are one intent; the pinned header's Join is another.
    header = slack.messages(channel.id)[0]
    await person.click(header, "Join")
    await eventually(lambda: len(slack.ephemerals(channel.id, carol.id)) >= 1, what="the second answer")
    assert slack.ephemerals(channel.id, carol.id)[-1].text == f"You are already in <#{channel.id}> (INC-1)."
    assert channel.members.count(carol.id) == 1


async def test_join_and_subscribe_on_a_closed_incident_are_refused(
    notifying_bot: Running,
    slack: FakeSlack,
    announcements: Channel,
    alice: User,
    carol: User,
    notified: Notified,
) -> None:
    incident, channel, message = notified
    await notifying_bot.deps.incidents.update(incident.id, {"status": "closed"}, alice.id)

    person = slack.as_user(carol)
    await person.click(message, "Join")
    await person.click(message, "Subscribe")
    closed = "INC-1 is closed, so there is nothing to join or follow any more."
    assert await answers(slack, announcements, carol, 2) == [closed, closed]
    assert carol.id not in channel.members
    assert await notifying_bot.deps.participants.subscribers(incident.id) == []


async def test_restricted_incidents_stay_invisible_to_outsiders(
    notifying_bot: Running,
    slack: FakeSlack,
    alice: User,
    general: Channel,
    announcements: Channel,
    carol: User,
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    announcements.members.append(bob.id)
    secret, secret_channel = await report_incident(notifying_bot, slack, bob, general, Type="Security")
    public, _ = await report_incident(notifying_bot, slack, alice, general, Title="Public")
    await notification_of(slack, announcements, public)
    await notify.send(notifying_bot.deps, secret, "Incident updated")
    assert all(secret.reference not in m.text for m in slack.messages(announcements.id))

    forged = crafted_notification(slack, announcements, secret)
    person = slack.as_user(carol)
    await person.click(forged, "Join")
    await person.click(forged, "Subscribe")
    missing = crafted_notification(slack, announcements, Incident(**{**vars(secret), "id": 999}))
    await person.click(missing, "Join")
    # The same words for a restricted incident and for one that does not exist: nothing leaks.
    assert await answers(slack, announcements, carol, 3) == [INVISIBLE, INVISIBLE, INVISIBLE]
    assert carol.id not in secret_channel.members
    assert await notifying_bot.deps.participants.get(secret.id, carol.id) is None
    assert await notifying_bot.deps.participants.subscribers(secret.id) == []

    insider = slack.as_user(bob)
    await insider.click(forged, "Join")
    await answers(slack, announcements, bob, 1)  # answers come from the background: one at a time
    await insider.click(forged, "Subscribe")
    assert await answers(slack, announcements, bob, 2) == [
        f"You are already in <#{secret_channel.id}> (INC-1).",
        f"INC-1 is restricted: its updates stay in <#{secret_channel.id}>, so there is nothing to "
        "subscribe to.",
    ]


async def test_subscribers_get_a_dm_for_every_update(
    notifying_bot: Running, slack: FakeSlack, announcements: Channel, carol: User, notified: Notified
) -> None:
    incident, _channel, message = notified
    person = slack.as_user(carol)
    await person.click(message, "Subscribe")
    await answers(slack, announcements, carol, 1)
    await notify.send(notifying_bot.deps, incident, "Incident updated")
    await person.click(slack.messages(announcements.id)[-1], "Subscribe")
    assert await answers(slack, announcements, carol, 2) == [
        ":bell: You will get a DM for every update of INC-1.",
        "You are already subscribed to INC-1: every update comes to you as a DM.",
    ]

    await notify.send(notifying_bot.deps, incident, "Severity changed")
    assert [m.text for m in slack.dms(carol.id)] == [
        "Incident updated: INC-1 DB latency",
        "Severity changed: INC-1 DB latency",
    ]
    assert slack.dms(carol.id)[0].blocks[-1]["elements"][0]["value"] == str(incident.id)
