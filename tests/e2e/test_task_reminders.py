"""Overdue task reminders, end to end: the scheduler's reminder job DMs the assignees of an overdue task
(once per reminder window, again a day later), and stops for resolved tasks and incidents that are no
longer active."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatchbot.app import Running
from dispatchbot.domain import Incident, Reminder, ReminderKind, Task, TaskStatus
from dispatchbot.testing import Channel, FakeSlack, Message, User
from tests.e2e.test_tasks import button_texts, card, create_task
from tests.e2e.test_update_incident import update
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.waiting import eventually

OVERDUE = {"Due date": "2020-01-01", "Due time": "09:00"}


async def tick(bot: Running) -> None:
    job = next(j for j in bot.scheduler.jobs if j.name == "send_due_reminders")
    assert await bot.scheduler.run(job)


def reminders_to(slack: FakeSlack, user: User) -> list[Message]:
    return [m for m in slack.dms(user.id) if "is overdue" in m.text]


async def reminder_of(bot: Running, task: Task) -> Reminder | None:
    return await bot.deps.reminders.get(ReminderKind.TASK_OVERDUE, task.incident_id, str(task.id))


async def overdue_task(bot: Running, incident: Incident, assignees: list[User], description: str) -> Task:
    """A task due yesterday, made through the services (as the create-task run does)."""
    due = datetime.now(UTC) - timedelta(days=1)
    ids = [user.id for user in assignees]
    task, _ = await bot.deps.tasks.create(
        f"test:{description}", incident.id, incident.commander_id, description, ids, due
    )
    await bot.deps.reminders.schedule(ReminderKind.TASK_OVERDUE, incident.id, str(task.id), ids[0], due)
    return task


async def test_an_overdue_task_reminds_every_assignee_once_then_a_day_later(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    carol = await new_person(slack, "carol")
    task = await create_task(
        bot, slack.as_user(alice), incident, channel, [bob, carol], "Rebuild the cache", **OVERDUE
    )

    await tick(bot)
    await tick(bot)  # the same window: nobody hears it twice
    for person in (bob, carol):
        [dm] = reminders_to(slack, person)
        assert "Rebuild the cache" in dm.text
        assert incident.reference in dm.text
        assert button_texts(dm.blocks) == ["Resolve"]
    reminder = await reminder_of(bot, task)
    assert reminder is not None
    assert reminder.sent_count == 1
    expected = datetime.now(UTC) + timedelta(hours=24)
    assert abs(reminder.due_at - expected) < timedelta(minutes=1)

    await bot.deps.reminders.snooze(reminder.id, datetime.now(UTC) - timedelta(seconds=1))  # a day later
    await tick(bot)
    assert len(reminders_to(slack, bob)) == 2
    assert len(reminders_to(slack, carol)) == 2


async def test_resolving_from_the_reminder_stops_it_and_reopening_arms_it_again(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    task = await create_task(bot, slack.as_user(alice), incident, channel, [bob], "Renew the cert", **OVERDUE)
    await tick(bot)
    [dm] = reminders_to(slack, bob)

    await slack.as_user(bob).click(dm, "Resolve")
    await eventually(lambda: button_texts(card(slack, channel, task).blocks) == ["Re-open"], what="the card")
    await eventually(lambda: button_texts(slack.dms(bob.id)[-1].blocks) == [], what="the DM redrawn")
    assert "is resolved" in slack.dms(bob.id)[-1].text
    assert await reminder_of(bot, task) is None
    await tick(bot)
    assert len(slack.dms(bob.id)) == 1

    await slack.as_user(alice).click(card(slack, channel, task), "Re-open")

    async def armed() -> bool:
        return await reminder_of(bot, task) is not None

    await eventually(armed, what="the reminder to be armed again")
    await tick(bot)
    assert len(reminders_to(slack, bob)) == 1  # the old DM now says resolved; this one is new
    assert len(slack.dms(bob.id)) == 2


async def test_no_reminder_for_a_resolved_task_or_an_incident_that_is_not_active(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    resolved = await overdue_task(bot, incident, [bob], "Already done")
    await bot.deps.tasks.set_status(resolved.id, TaskStatus.RESOLVED, bob.id)  # reminder left armed

    await tick(bot)
    assert slack.dms(bob.id) == []
    assert await reminder_of(bot, resolved) is None  # done for good

    open_task = await overdue_task(bot, incident, [bob], "Still to do")
    await bot.deps.incidents.update(incident.id, {"status": "stable"}, alice.id)
    await tick(bot)
    assert slack.dms(bob.id) == []
    assert await reminder_of(bot, open_task) is None


async def test_in_a_restricted_incident_only_participants_are_reminded(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(
        bot, slack, alice, general, Visibility="Restricted (participants only)"
    )
    bob = await new_person(slack, "bob")
    carol = await new_person(slack, "carol")
    await create_task(bot, slack.as_user(alice), incident, channel, [bob, carol], "Rotate secrets", **OVERDUE)
    await bot.deps.participants.leave(incident.id, carol.id)  # e.g. removed by an admin

    await tick(bot)
    assert len(reminders_to(slack, bob)) == 1
    assert reminders_to(slack, carol) == []


async def test_back_to_active_rearms_the_reminders_of_open_tasks(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    task = await overdue_task(bot, incident, [bob], "Rotate the keys")
    commander = slack.as_user(alice)
    await update(bot, commander, channel, Status="Stable")
    await tick(bot)
    assert reminders_to(slack, bob) == []
    assert await reminder_of(bot, task) is None  # finished while the incident was stable

    await update(bot, commander, channel, Status="Active")
    assert await reminder_of(bot, task) is not None
    await tick(bot)
    assert len(reminders_to(slack, bob)) == 1
