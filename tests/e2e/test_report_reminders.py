"""Report reminders, end to end: armed at creation per priority, the DM with its Write report button and
snooze choice, moved by each report, stopped by Stable, restarted by a reopen, and kept across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatchbot.app import Bot, Running
from dispatchbot.domain import Reminder, ReminderKind, ReportKind, Role
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User
from tests.support import probe
from tests.support.bot import bot_settings
from tests.support.incidents import report_incident
from tests.support.runs import finished
from tests.support.waiting import eventually

TACTICAL = ReminderKind.TACTICAL_REPORT
EXECUTIVE = ReminderKind.EXECUTIVE_REPORT
NUDGE = "It's time for a tactical report on INC-1"


async def tick(bot: Running) -> None:
    job = next(job for job in bot.scheduler.jobs if job.name == "send_due_reminders")
    assert await bot.scheduler.run(job)


async def armed(bot: Running, kind: ReminderKind, incident_id: int) -> Reminder:
    reminder = await bot.deps.reminders.get(kind, incident_id, "report")
    assert reminder is not None, f"no {kind.value} reminder armed"
    return reminder


async def update(bot: Running, person: Person, channel: Channel, values: dict[str, str]) -> None:
    """Change the incident through its update form and wait for the update run."""
    await person.slash_command("/dispatch-update-incident", channel=channel.id)
    view = await person.wait_for_view(callback_id="update_incident")
    view.fill(values)
    assert (await view.submit()).ok
    await finished(bot, "update_incident", f"view:{view.id}:{view.hash}")


def nudges(slack: FakeSlack, user: User) -> list[Message]:
    return [message for message in slack.dms(user.id) if message.text.startswith("It's time for")]


async def make_due(bot: Running, kind: ReminderKind, incident_id: int, recipient: str) -> None:
    await bot.deps.reminders.schedule(
        kind, incident_id, "report", recipient, datetime.now(UTC) - timedelta(seconds=1)
    )


async def test_reminders_are_armed_at_creation_with_the_priority_interval(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, _channel = await report_incident(bot, slack, alice, general, Priority="High")
    tactical, executive = await armed(bot, TACTICAL, incident.id), await armed(bot, EXECUTIVE, incident.id)
    assert tactical.due_at == incident.created_at + timedelta(hours=2)
    assert executive.due_at == incident.created_at + timedelta(hours=6)
    assert tactical.recipient == executive.recipient == alice.id


async def test_a_due_reminder_dms_the_commander_whose_button_opens_the_form(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await make_due(bot, TACTICAL, incident.id, alice.id)
    before = datetime.now(UTC)
    await tick(bot)

    [nudge] = nudges(slack, alice)
    assert nudge.text == NUDGE
    assert "`/dispatch-report-tactical`" in nudge.blocks[0]["text"]["text"]
    rearmed = await armed(bot, TACTICAL, incident.id)
    assert before + timedelta(hours=6) <= rearmed.due_at <= datetime.now(UTC) + timedelta(hours=6)
    await tick(bot)
    assert len(nudges(slack, alice)) == 1  # not due again yet

    person = slack.as_user(alice)
    await person.click(nudge, "Write report")
    view = await person.wait_for_view(callback_id="report_tactical")
    assert view.private_metadata == str(incident.id)
    view.fill({"Conditions": "Stable-ish", "Actions": "Watching"})
    assert (await view.submit()).ok
    await finished(bot, "report_tactical", f"view:{view.id}")
    report = await bot.deps.reports.latest(incident.id, ReportKind.TACTICAL)
    assert report is not None
    assert slack.messages(channel.id)[-1].text == f"Tactical report for INC-1 by <@{alice.id}>"
    assert (await armed(bot, TACTICAL, incident.id)).due_at == report.created_at + timedelta(hours=6)


async def test_the_reminder_goes_to_the_current_commander(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, _channel = await report_incident(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown")
    await bot.deps.participants.assign_role(incident.id, bob.id, Role.COMMANDER, alice.id)
    await make_due(bot, EXECUTIVE, incident.id, alice.id)  # armed while alice commanded
    await tick(bot)
    assert [m.text for m in nudges(slack, bob)] == ["It's time for an executive report on INC-1"]
    assert nudges(slack, alice) == []


async def test_snoozing_moves_the_reminder(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, _channel = await report_incident(bot, slack, alice, general)
    await make_due(bot, TACTICAL, incident.id, alice.id)
    await tick(bot)
    [nudge] = nudges(slack, alice)

    before = datetime.now(UTC)
    assert (await slack.as_user(alice).select(nudge, "Remind me again in…", option="1 hour")).ok
    dm = slack.workspace.im_with(alice.id).id
    await eventually(
        lambda: [e.text for e in slack.ephemerals(dm, alice.id)] == ["I'll remind you again in 1 hour."],
        what="the snooze answer",
    )
    due = (await armed(bot, TACTICAL, incident.id)).due_at
    assert before + timedelta(hours=1) <= due <= datetime.now(UTC) + timedelta(hours=1)


async def test_stable_stops_the_reminders_and_a_reopen_restarts_them(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)

    await update(bot, person, channel, {"Priority": "High"})
    assert (await armed(bot, TACTICAL, incident.id)).due_at == incident.created_at + timedelta(hours=2)
    assert (await armed(bot, EXECUTIVE, incident.id)).due_at == incident.created_at + timedelta(hours=6)

    await update(bot, person, channel, {"Status": "Stable"})
    for kind in (TACTICAL, EXECUTIVE):
        assert await bot.deps.reminders.get(kind, incident.id, "report") is None

    reopened = datetime.now(UTC)
    await update(bot, person, channel, {"Status": "Active"})
    tactical = await armed(bot, TACTICAL, incident.id)
    assert reopened + timedelta(hours=2) <= tactical.due_at <= datetime.now(UTC) + timedelta(hours=2)
    assert (await armed(bot, EXECUTIVE, incident.id)).due_at >= reopened + timedelta(hours=6)


async def test_a_reminder_for_an_incident_no_longer_active_sends_nothing(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await update(bot, slack.as_user(alice), channel, {"Status": "Stable"})
    await make_due(bot, TACTICAL, incident.id, alice.id)  # say, armed just before the status changed
    await tick(bot)
    assert nudges(slack, alice) == []
    assert await bot.deps.reminders.get(TACTICAL, incident.id, "report") is None  # done, not re-armed


async def test_reminders_survive_a_restart(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url)
    first = Bot(settings, extensions=[probe.register])
    try:
        running = await first.start()
        incident, _channel = await report_incident(running, slack, alice, general)
        await make_due(running, TACTICAL, incident.id, alice.id)
    finally:
        await first.stop()  # the due reminder is a row; nothing of it lives in memory
    again = Bot(settings, extensions=[probe.register])
    try:
        restarted = await again.start()
        await tick(restarted)
        await tick(restarted)
        assert [m.text for m in nudges(slack, alice)] == [NUDGE]
    finally:
        await again.stop()
