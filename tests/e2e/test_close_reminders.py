"""Close reminders, end to end with a hand-set clock: armed when an incident turns Stable, the commander's
DM after seven days and then weekly, cancelled by a reopen or a close, the Close button (for commander
and scribe only, once however often it is clicked), and one DM across restarts, crashes and replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update as sql_update

from dispatchbot.app import Running
from dispatchbot.domain import Reminder, ReminderKind, Role, Status
from dispatchbot.scheduler.jobs import Job
from dispatchbot.storage.tables import ReminderRow
from dispatchbot.testing import Channel, FakeSlack, Message, User
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.replicas import skip_unless_replicas_supported
from tests.support.runs import finished
from tests.support.waiting import eventually

START = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
KIND = ReminderKind.CLOSE_INCIDENT
WEEK = timedelta(days=7)


def running(slack: FakeSlack, database_url: str, clock: ManualClock) -> AbstractAsyncContextManager[Running]:
    return running_bot(slack, bot_settings(slack, database_url), clock)


async def set_status(bot: Running, slack: FakeSlack, person: User, channel: Channel, status: str) -> None:
    """Change the status through the update form (so its steps run) and wait for the run."""
    driver = slack.as_user(person)
    await driver.slash_command("/dispatch-update-incident", "INC-1", channel=channel.id)
    view = await driver.wait_for_view(callback_id="update_incident")
    view.fill({"Status": status})
    assert (await view.submit()).ok
    await finished(bot, "update_incident", f"view:{view.id}:{view.hash}")


def reminder_job(bot: Running) -> Job:
    return next(job for job in bot.scheduler.jobs if job.name == "send_due_reminders")


async def tick(bot: Running) -> None:
    assert await bot.scheduler.run(reminder_job(bot))


async def armed(bot: Running, incident_id: int = 1) -> Reminder | None:
    return await bot.deps.reminders.get(KIND, incident_id, "close")


async def disarms(
    bot: Running, slack: FakeSlack, alice: User, channel: Channel, status: str, *, quiet_until: datetime
) -> None:
    """Setting `status` disarms the reminder: none is armed, and no nudge comes by `quiet_until`."""
    await set_status(bot, slack, alice, channel, status)
    assert await armed(bot) is None
    clock = bot.deps.clock
    assert isinstance(clock, ManualClock)
    clock.set(quiet_until)
    await tick(bot)
    assert nudges(slack, alice) == []


def nudges(slack: FakeSlack, user: User) -> list[Message]:
    return [message for message in slack.dms(user.id) if message.text.endswith("close it?")]


def dm(slack: FakeSlack, user: User, ts: str) -> Message:
    return next(message for message in slack.dms(user.id) if message.ts == ts)


async def stable_incident(bot: Running, slack: FakeSlack, alice: User, general: Channel) -> Channel:
    """INC-1, made Stable an hour after it was reported (at START + 1 h)."""
    _incident, channel = await report_incident(bot, slack, alice, general)
    clock = bot.deps.clock
    assert isinstance(clock, ManualClock)
    clock.set(START + timedelta(hours=1))
    await set_status(bot, slack, alice, channel, "Stable")
    return channel


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(slack: FakeSlack, database_url: str, clock: ManualClock) -> AsyncIterator[Running]:
    """The bot on the hand-set clock (for the tests that run one bot throughout)."""
    async with running(slack, database_url, clock) as bot:
        yield bot


@pytest.fixture
async def stable_channel(bot: Running, slack: FakeSlack, alice: User, general: Channel) -> Channel:
    """INC-1's channel, the incident made Stable at START + 1 h."""
    return await stable_incident(bot, slack, alice, general)


@pytest.mark.usefixtures("stable_channel")
async def test_the_commander_is_reminded_after_seven_days_then_weekly(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User
) -> None:
    reminder = await armed(bot)
    assert reminder is not None
    assert reminder.due_at == START + timedelta(hours=1) + WEEK
    assert reminder.recipient == alice.id

    clock.set(reminder.due_at - timedelta(minutes=1))
    await tick(bot)
    assert nudges(slack, alice) == []
    clock.set(reminder.due_at)
    await tick(bot)
    [nudge] = nudges(slack, alice)
    assert nudge.text == "INC-1 has been Stable for 7 days — close it?"
    [button] = [e for b in nudge.blocks if b["type"] == "actions" for e in b["elements"]]
    assert (button["text"]["text"], button["value"]) == ("Close", "1")
    await tick(bot)
    assert len(nudges(slack, alice)) == 1

    bob = slack.add_user("bob", real_name="Bob Brown")
    await bot.deps.participants.assign_role(1, bob.id, Role.COMMANDER, alice.id)
    clock.advance(days=7, minutes=-1)
    await tick(bot)
    assert nudges(slack, bob) == []
    clock.advance(minutes=1)
    await tick(bot)
    assert [m.text for m in nudges(slack, bob)] == ["INC-1 has been Stable for 14 days — close it?"]
    assert len(nudges(slack, alice)) == 1  # the reminder follows the commander of the day


async def test_reopening_or_closing_cancels_it_and_stable_again_counts_from_then(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User, stable_channel: Channel
) -> None:
    clock.set(START + timedelta(days=2))
    await disarms(bot, slack, alice, stable_channel, "Active", quiet_until=START + timedelta(days=10))

    await set_status(bot, slack, alice, stable_channel, "Stable")
    reminder = await armed(bot)
    assert reminder is not None
    assert reminder.due_at == START + timedelta(days=10) + WEEK  # not from the first time it was Stable

    clock.set(START + timedelta(days=11))
    await disarms(bot, slack, alice, stable_channel, "Closed", quiet_until=START + timedelta(days=30))


async def test_the_close_button_closes_the_incident_once_and_a_stale_reminder_says_so(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User, stable_channel: Channel
) -> None:
    clock.set(START + timedelta(hours=1) + WEEK)
    await tick(bot)
    clock.advance(days=7)
    await tick(bot)
    first, second = nudges(slack, alice)
    assert second.text == "INC-1 has been Stable for 14 days — close it?"

    person = slack.as_user(alice)
    clicks = await asyncio.gather(person.click(second, "Close"), person.click(second, "Close"))
    assert all(ack.ok for ack in clicks)
    im = slack.workspace.im_with(alice.id).id
    await finished(bot, "close_from_reminder", f"close:{im}:{second.ts}")

    incident = await bot.deps.incidents.get(1)
    assert incident.status is Status.CLOSED
    assert stable_channel.archived
    closings = [m for m in slack.messages(stable_channel.id) if m.text == "INC-1 is closed"]
    assert len(closings) == 1  # two clicks, one close
    assert dm(slack, alice, second.ts).text == f"INC-1 was closed by <@{alice.id}>."
    assert not [b for b in dm(slack, alice, second.ts).blocks if b["type"] == "actions"]
    assert await armed(bot) is None

    assert (await person.click(first, "Close")).ok  # last week's reminder, still showing its button
    await finished(bot, "close_from_reminder", f"close:{im}:{first.ts}")
    assert dm(slack, alice, first.ts).text == "INC-1 was already closed."
    assert len([m for m in slack.messages(stable_channel.id) if m.text == "INC-1 is closed"]) == 1


@pytest.mark.usefixtures("stable_channel")
async def test_only_the_commander_or_scribe_may_close_from_the_reminder(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User
) -> None:
    clock.set(START + timedelta(hours=1) + WEEK)
    await tick(bot)
    [nudge] = nudges(slack, alice)
    im = slack.workspace.im_with(alice.id).id

    bob = slack.add_user("bob", real_name="Bob Brown")
    assert (await slack.as_user(bob).click(nudge, "Close")).ok  # a forwarded or forged click
    await eventually(lambda: bool(slack.ephemerals(im, bob.id)), what="bob's refusal")
    assert [e.text for e in slack.ephemerals(im, bob.id)] == [
        f"Only the incident commander (<@{alice.id}>) or the scribe can close it."
    ]
    assert (await bot.deps.incidents.get(1)).status is Status.STABLE
    assert await bot.deps.runs.get_by_key("close_from_reminder", f"close:{im}:{nudge.ts}") is None

    carol = slack.add_user("carol", real_name="Carol Chen")
    await bot.deps.participants.assign_role(1, carol.id, Role.SCRIBE, alice.id)
    assert (await slack.as_user(carol).click(nudge, "Close")).ok
    await finished(bot, "close_from_reminder", f"close:{im}:{nudge.ts}")
    assert (await bot.deps.incidents.get(1)).status is Status.CLOSED
    assert dm(slack, alice, nudge.ts).text == f"INC-1 was closed by <@{carol.id}>."


async def test_one_dm_across_a_restart_and_a_crash_before_the_reminder_was_updated(
    clock: ManualClock, slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    async with running(slack, database_url, clock) as bot:
        await stable_incident(bot, slack, alice, general)
    async with running(slack, database_url, clock) as again:  # the reminder is a row: nothing was lost
        due = START + timedelta(hours=1) + WEEK
        clock.set(due)
        await tick(again)
        await tick(again)
        assert len(nudges(slack, alice)) == 1

        # As if the process died after Slack took the DM but before the row said so: due again, unsent.
        async with again.deps.database.sessions.begin() as session:
            await session.execute(
                sql_update(ReminderRow)
                .where(ReminderRow.kind == KIND.value)
                .values(due_at=due, sent_count=0, last_sent_at=None)
            )
        await tick(again)
        assert len(nudges(slack, alice)) == 1
        reminder = await armed(again)
        assert reminder is not None
        assert reminder.due_at == due + WEEK


async def test_two_replicas_send_the_reminder_once(
    clock: ManualClock, slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    skip_unless_replicas_supported(database_url)
    async with running(slack, database_url, clock) as one, running(slack, database_url, clock) as two:
        await stable_incident(one, slack, alice, general)
        clock.set(START + timedelta(hours=1) + WEEK)
        # Straight to the job, past the leader check: the row claims alone must keep it to one DM.
        await asyncio.gather(*(reminder_job(bot).tick(clock.now()) for bot in (one, two) * 3))
        assert len(nudges(slack, alice)) == 1
