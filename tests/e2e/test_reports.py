"""Tactical and executive reports in Slack, end to end: who may write them, the prefilled forms, the
pinned channel message, the copies to subscribers and notification channels, the timeline, and the
reminder each report moves."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatchbot.app import Bot, Running
from dispatchbot.config import NotificationSettings
from dispatchbot.domain import ReminderKind, ReportKind, TaskStatus
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User, View
from tests.e2e.conftest import StartBot
from tests.support import probe
from tests.support.bot import bot_settings
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.refusals import ephemeral, incident_channel_only, managers_only
from tests.support.runs import finished
from tests.support.waiting import eventually

TACTICAL = "/dispatch-report-tactical"
EXECUTIVE = "/dispatch-report-executive"
FORMS = {TACTICAL: "report_tactical", EXECUTIVE: "report_executive"}
HELD_SECONDS = 1.0  # the fake finishes a cut-off request after this, as Slack would


async def open_form(person: Person, channel: Channel, command: str) -> View:
    return await open_command_form(person, channel, command, FORMS[command])


async def submit(bot: Running, view: View, values: dict[str, str]) -> None:
    """Fill and submit a report form, then wait until its run has finished."""
    view.fill(values)
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    await finished(bot, view.callback_id, f"view:{view.id}")


def value(view: View, block_id: str) -> str:
    return str(view.values[block_id][block_id].get("value") or "")


def body(message: Message) -> str:
    texts = [str(block.get("text", {}).get("text", "")) for block in message.blocks]
    texts += [str(e.get("text", "")) for block in message.blocks for e in block.get("elements", [])]
    return "\n".join(texts)


async def reminder_due(bot: Running, kind: ReminderKind, incident_id: int) -> datetime:
    """When the reminder to write the next report of `kind` is due (it must be armed)."""
    reminder = await bot.deps.reminders.get(kind, incident_id, "report")
    assert reminder is not None
    return reminder.due_at


def reports_in(slack: FakeSlack, channel_id: str) -> list[Message]:
    return [message for message in slack.messages(channel_id) if " report for INC-" in message.text]


async def test_tactical_report_is_pinned_sent_and_prefills_the_next(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown")
    await bot.deps.participants.subscribe(incident.id, bob.id)
    person = slack.as_user(alice)

    view = await open_form(person, channel, TACTICAL)
    assert view.title == "Tactical Report"
    assert [value(view, field) for field in ("conditions", "actions", "needs")] == ["", "", ""]
    await submit(bot, view, {"Conditions": "p99 at 5 s", "Actions": "Failing over", "Needs": "A DBA"})

    first = reports_in(slack, channel.id)[-1]
    assert first.text == f"Tactical report for INC-1 by <@{alice.id}>"
    assert "*Conditions*\np99 at 5 s" in body(first)
    assert "*Needs*\nA DBA" in body(first)
    header_ts = slack.messages(channel.id)[0].ts
    assert [pin.ts for pin in channel.pins] == [header_ts, first.ts]
    assert [m.text for m in slack.dms(bob.id)] == [first.text]
    assert f"<#{channel.id}>" in body(slack.dms(bob.id)[0])
    report = await bot.deps.reports.latest(incident.id, ReportKind.TACTICAL)
    assert report is not None
    assert report.message_ts == first.ts
    events = [e for e in await bot.deps.incidents.timeline(incident.id) if e.kind == "tactical_report"]
    assert [e.description for e in events] == [f"<@{alice.id}> wrote a tactical report"]
    due = await reminder_due(bot, ReminderKind.TACTICAL_REPORT, incident.id)
    assert due == report.created_at + timedelta(hours=6)  # Medium priority

    again = await open_form(person, channel, TACTICAL)
    assert [value(again, field) for field in ("conditions", "actions", "needs")] == [
        "p99 at 5 s",
        "Failing over",
        "A DBA",
    ]
    await submit(bot, again, {"Conditions": "p99 back to 80 ms"})

    second = reports_in(slack, channel.id)[-1]
    assert second.ts != first.ts
    assert "*Conditions*\np99 back to 80 ms" in body(second)
    assert [pin.ts for pin in channel.pins] == [header_ts, second.ts]
    assert [call.args.get("timestamp") for call in slack.calls_to("pins.remove")] == [first.ts]
    assert len(slack.dms(bob.id)) == 2


async def test_tactical_form_suggests_the_open_tasks_until_actions_are_written(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    due = incident.created_at + timedelta(days=1)
    tasks = [
        (await bot.deps.tasks.create(f"t{n}", incident.id, alice.id, description, [alice.id], due))[0]
        for n, description in enumerate(("Fail over the DB", "Page the vendor", "Warm caches"))
    ]
    await bot.deps.tasks.set_status(tasks[1].id, TaskStatus.RESOLVED, alice.id)

    view = await open_form(slack.as_user(alice), channel, TACTICAL)
    assert value(view, "actions") == "• Fail over the DB\n• Warm caches"
    await submit(bot, view, {"Conditions": "Degraded"})

    again = await open_form(slack.as_user(alice), channel, TACTICAL)
    assert value(again, "actions") == "• Fail over the DB\n• Warm caches"  # kept as written, not re-listed


async def test_executive_report_goes_to_the_notification_targets_and_the_channel(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    announcements = slack.add_channel("incidents", members=[slack.bot_user_id])
    settings = bot_settings(slack, database_url).model_copy(
        update={"notifications": [NotificationSettings(channel=announcements.id)]}
    )
    bot = await start_bot(settings)
    await slack.socket.wait_connected()
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown")
    await bot.deps.participants.subscribe(incident.id, bob.id)
    person = slack.as_user(alice)
    notices = len(slack.messages(announcements.id))

    view = await open_form(person, channel, EXECUTIVE)
    assert view.title == "Executive Report"
    note = view.blocks[0]["elements"][0]["text"]
    assert note.startswith(
        f"Sent to <#{announcements.id}> and <@{bob.id}>, and posted in the incident channel."
    )
    assert "`/dispatch-notifications-group`" in note
    await submit(
        bot,
        view,
        {"Current status": "Mitigated", "Overview": "Checkout was slow for 20 min", "Next steps": "Review"},
    )

    posted = reports_in(slack, channel.id)[-1]
    assert posted.text == f"Executive report for INC-1 by <@{alice.id}>"
    assert "*Overview*\nCheckout was slow for 20 min" in body(posted)
    assert posted.ts not in [pin.ts for pin in channel.pins]  # the pins are for the tactical picture
    copies = slack.messages(announcements.id)[notices:]
    assert [m.text for m in copies] == [posted.text]
    assert [m.text for m in slack.dms(bob.id)] == [posted.text]
    events = [e for e in await bot.deps.incidents.timeline(incident.id) if e.kind == "executive_report"]
    assert len(events) == 1
    report = await bot.deps.reports.latest(incident.id, ReportKind.EXECUTIVE)
    assert report is not None
    due = await reminder_due(bot, ReminderKind.EXECUTIVE_REPORT, incident.id)
    assert due == report.created_at + timedelta(hours=24)  # Medium priority

    again = await open_form(person, channel, EXECUTIVE)
    assert [value(again, f) for f in ("current_status", "overview", "next_steps")] == [
        "Mitigated",
        "Checkout was slow for 20 min",
        "Review",
    ]


async def test_executive_form_says_when_nobody_else_receives_it(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, EXECUTIVE)
    assert view.blocks[0]["elements"][0]["text"].startswith("Posted in the incident channel only")


async def test_only_the_commander_or_scribe_may_write_reports(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    for command, report in ((TACTICAL, "a tactical"), (EXECUTIVE, "an executive")):
        ack = await slack.as_user(bob).slash_command(command, channel=channel.id)
        assert ack.payload == ephemeral(managers_only(alice, f"write {report} report"))
    assert slack.workspace.top_view(bob.id) is None


async def test_outside_an_incident_channel_it_explains_where_it_works(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    for command in (TACTICAL, EXECUTIVE):
        ack = await slack.as_user(alice).slash_command(command, channel=general.id)
        assert ack.payload == ephemeral(incident_channel_only(command))
    assert slack.workspace.top_view(alice.id) is None


async def test_blank_fields_are_answered_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, TACTICAL)
    view.fill({"Conditions": "   ", "Actions": "Failing over"})
    ack = await view.submit()
    assert ack.payload == {"response_action": "errors", "errors": {"conditions": "Write the conditions."}}
    assert await bot.deps.reports.latest(incident.id, ReportKind.TACTICAL) is None


async def test_a_report_run_cut_off_in_mid_post_resumes_without_posting_twice(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url, runs={"shutdown_timeout_seconds": 0.2})
    first = Bot(settings, extensions=[probe.register])
    try:
        bot = await first.start()
        incident, channel = await report_incident(bot, slack, alice, general)
        view = await open_form(slack.as_user(alice), channel, TACTICAL)
        view.fill({"Conditions": "p99 at 5 s", "Actions": "Failing over"})
        posts = slack.arrivals("chat.postMessage")
        slack.faults.latency("chat.postMessage", HELD_SECONDS)
        assert (await view.submit()).ok
        await eventually(lambda: slack.arrivals("chat.postMessage") > posts, what="the report post in flight")
    finally:
        await first.stop()  # the run is cut off while its post is in flight
    slack.faults.clear()
    await eventually(lambda: len(reports_in(slack, channel.id)) == 1, what="the interrupted post to land")

    restarted = await start_bot(settings)  # resumes the unfinished run
    await finished(restarted, "report_tactical", f"view:{view.id}")
    [posted] = reports_in(slack, channel.id)
    assert posted.ts in [pin.ts for pin in channel.pins]
    report = await restarted.deps.reports.latest(incident.id, ReportKind.TACTICAL)
    assert report is not None
    assert report.message_ts == posted.ts
