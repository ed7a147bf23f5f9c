"""People joining, leaving and talking in incident channels, end to end."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

from dispatchbot.app import Running
from dispatchbot.config import IncidentSettings
from dispatchbot.domain import Role
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.slack import payloads
from dispatchbot.testing.slack.delivery import EVENTS_API
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings, running_bot
from tests.support.incidents import report_incident
from tests.support.people import leaves, new_person
from tests.support.waiting import eventually

AFTER_HOURS = "Responses may be delayed."


class ShiftedClock:
    """Real time moving on, but starting from a chosen moment (leases and windows keep working)."""

    def __init__(self, starting_at: datetime) -> None:
        self._offset = starting_at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def next_wednesday(hour: int, minute: int = 0) -> datetime:
    today = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def bot_at(slack: FakeSlack, database_url: str, moment: datetime) -> AbstractAsyncContextManager[Running]:
    """A bot whose clock reads `moment` now, with after-hours warnings on (9 to 17 by default)."""
    settings = bot_settings(slack, database_url).model_copy(
        update={"incidents": IncidentSettings(after_hours_warning=True)}
    )
    return running_bot(slack, settings, ShiftedClock(moment))


async def messages_counted(bot: Running, incident_id: int, user: User, count: int) -> None:
    """Wait until the bot has handled `count` messages of `user` (events of a channel run in order)."""

    async def counted() -> bool:
        participant = await bot.deps.participants.get(incident_id, user.id)
        return participant is not None and participant.message_count >= count

    await eventually(counted, what=f"{count} messages of {user.name} to be counted")


def after_hours_notices(slack: FakeSlack, channel: Channel, user: User) -> list[str]:
    return [e.text for e in slack.ephemerals(channel.id, user.id) if e.text.startswith(AFTER_HOURS)]


async def test_joining_makes_an_observer(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    carol = slack.add_user("carol", real_name="Carol Chen")
    incident, channel = await report_incident(bot, slack, alice, general)

    await slack.as_user(bob).join(channel.id)
    await slack.as_user(carol).join(channel.id, inviter=bob)
    await slack.as_user(bob).join(general.id)  # not an incident channel: nothing happens there

    await eventually(lambda: bool(slack.ephemerals(channel.id, carol.id)), what="carol's welcome")
    joined = await bot.deps.participants.get(incident.id, bob.id)
    assert joined is not None
    assert joined.roles == {Role.OBSERVER}
    assert (joined.added_by, joined.added_reason) == (alice.id, "Joined the channel")
    invited = await bot.deps.participants.get(incident.id, carol.id)
    assert invited is not None
    assert invited.roles == {Role.OBSERVER}
    assert (invited.added_by, invited.added_reason) == (bob.id, f"Invited by <@{bob.id}>")
    assert [e.text for e in slack.ephemerals(channel.id, bob.id)] == ["Welcome to INC-1: DB latency"]
    assert not slack.ephemerals(general.id)


async def test_an_active_participant_joining_again_changes_nothing(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await eventually(lambda: bool(slack.ephemerals(channel.id, alice.id)), what="alice's welcome")
    channel.members.remove(alice.id)  # as if Slack sent a join for someone already taking part

    await slack.as_user(alice).join(channel.id)
    await slack.as_user(alice).post(channel.id, "still here")

    await messages_counted(bot, incident.id, alice, 1)
    commander = await bot.deps.participants.get(incident.id, alice.id)
    assert commander is not None
    assert commander.roles == {Role.COMMANDER, Role.REPORTER}
    assert len(slack.ephemerals(channel.id, alice.id)) == 1


async def test_an_observer_becomes_a_participant_after_three_messages(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    note = f"<@{bob.id}> is now a Participant (was Observer) after taking part in the conversation."

    await slack.as_user(bob).post(channel.id, "I see errors in the payments log")
    await slack.as_user(bob).post(channel.id, "since 14:02")
    await messages_counted(bot, incident.id, bob, 2)
    observer = await bot.deps.participants.get(incident.id, bob.id)
    assert observer is not None
    assert observer.roles == {Role.OBSERVER}
    await slack.as_user(bob).post(channel.id, "rolling back now")

    await eventually(lambda: note in [m.text for m in slack.messages(channel.id)], what="the promotion")
    promoted = await bot.deps.participants.get(incident.id, bob.id)
    assert promoted is not None
    assert promoted.roles == {Role.PARTICIPANT}
    assert promoted.message_count == 3


async def test_system_and_bot_messages_are_not_activity(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    base = {"type": "message", "channel": channel.id, "text": "x", "channel_type": "channel"}
    for extra in (
        {"subtype": "channel_join", "user": bob.id, "ts": "1.000001"},
        {"bot_id": "B0OTHER", "user": bob.id, "ts": "1.000002"},
        {"user": slack.bot_user_id, "ts": "1.000003"},
    ):
        await slack.deliver(EVENTS_API, payloads.event_callback(slack.workspace, {**base, **extra}))
    await slack.as_user(bob).post(channel.id, "a real message")

    await messages_counted(bot, incident.id, bob, 1)
    participant = await bot.deps.participants.get(incident.id, bob.id)
    assert participant is not None
    assert participant.message_count == 1
    assert await bot.deps.participants.get(incident.id, slack.bot_user_id) is None


async def test_the_commander_cannot_leave_an_active_incident(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)

    await slack.as_user(alice).leave(channel.id)

    notice = (
        f"<@{alice.id}> was added back. The incident commander cannot leave an open incident; "
        "hand over with /dispatch-assign-role first."
    )
    await eventually(lambda: notice in [m.text for m in slack.messages(channel.id)], what="the notice")
    assert alice.id in channel.members
    commander = await bot.deps.participants.get(incident.id, alice.id)
    assert commander is not None
    assert commander.active
    assert Role.COMMANDER in commander.roles


async def test_anyone_else_leaving_renounces_their_roles(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    await bot.deps.participants.assign_role(incident.id, bob.id, Role.SCRIBE, alice.id)

    await leaves(bot, slack, bob, incident, channel)
    scribe = await bot.deps.participants.get(incident.id, bob.id)
    assert scribe is not None
    assert not scribe.active
    assert scribe.roles == frozenset()
    assert bob.id not in channel.members
    events = await bot.deps.incidents.timeline(incident.id)
    assert events[-1].kind == "participant_left"


async def test_thread_replies_get_a_warning_when_threads_are_banned(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url).model_copy(
        update={"incidents": IncidentSettings(ban_threads=True)}
    )
    bot = await start_bot(settings)
    await slack.socket.wait_connected()
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)

    parent = await slack.as_user(alice).post(channel.id, "Who is looking at the DB?")
    await slack.as_user(bob).post(channel.id, "me", thread_ts=parent.ts)
    await slack.as_user(bob).post(channel.id, "and the cache too")

    await messages_counted(bot, incident.id, bob, 2)
    warnings = [e for e in slack.ephemerals(channel.id, bob.id) if "threads" in e.text]
    assert [(w.thread_ts, w.text) for w in warnings] == [
        (
            parent.ts,
            "Please keep the conversation in the channel rather than in threads: "
            "threads make it harder for everyone in the incident to keep up.",
        )
    ]
    assert not [e for e in slack.ephemerals(channel.id, alice.id) if "threads" in e.text]


async def test_after_hours_messages_are_warned_once_per_person(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    # 16:30 UTC on a Wednesday: inside 9-17 in UTC, but after 17:00 in Berlin, the commander's zone.
    async with bot_at(slack, database_url, next_wednesday(16, 30)) as bot:
        incident, channel = await report_incident(bot, slack, alice, general)
        bob = await new_person(slack, "bob", channel)

        await slack.as_user(bob).post(channel.id, "anyone around?")
        await slack.as_user(bob).post(channel.id, "hello?")
        await slack.as_user(alice).post(channel.id, "yes, I am")

        await messages_counted(bot, incident.id, alice, 1)
        assert after_hours_notices(slack, channel, bob) == [
            "Responses may be delayed. Your message was sent outside the incident commander's working "
            "hours (weekdays 09:00 to 17:00, Europe/Berlin time). The current priority of INC-1 is *Medium*."
        ]
        assert after_hours_notices(slack, channel, alice) == []  # the commander knows their own hours


async def test_no_after_hours_warning_during_the_commanders_working_hours(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    async with bot_at(slack, database_url, next_wednesday(11)) as bot:
        incident, channel = await report_incident(bot, slack, alice, general)
        bob = await new_person(slack, "bob", channel)

        await slack.as_user(bob).post(channel.id, "anyone around?")
        await slack.as_user(alice).post(channel.id, "yes")

        await messages_counted(bot, incident.id, alice, 1)
        assert after_hours_notices(slack, channel, bob) == []
