"""Reporting an incident in Slack, end to end: form, validation, creation, channel, header, notices."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatchbot.app import Running
from dispatchbot.config import NotificationSettings, RolePolicySettings
from dispatchbot.storage.tables import IncidentRow
from dispatchbot.testing import Channel, ClientRefused, FakeSlack, Person, User, View
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.forms import open_form
from tests.support.waiting import eventually


def incident_channels(slack: FakeSlack) -> list[Channel]:
    return [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]


async def open_report_form(person: Person, channel: Channel) -> View:
    view = await open_form(person, channel, "/dispatch-report-incident", "report_incident")
    assert view.title == "Report Incident"
    return view


async def report(person: Person, channel: Channel, **values: str) -> None:
    view = await open_report_form(person, channel)
    view.fill({"Title": "DB latency", "Description": "p99 is 5 s since 14:00", **values})
    ack = await view.submit()
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"


def top_view_title(slack: FakeSlack, user: User) -> str | None:
    top = slack.workspace.top_view(user.id)
    return top.title if top is not None else None


async def incident_count(bot: Running) -> int:
    async with bot.deps.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


async def test_report_creates_a_ready_incident_channel(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    await report(person, general, Severity="High", Priority="High")
    await eventually(lambda: len(incident_channels(slack)) == 1, what="the incident channel")
    channel = incident_channels(slack)[0]
    assert channel.name == "inc-1-db-latency"
    assert not channel.is_private
    await eventually(lambda: bool(channel.pins) and bool(channel.topic), what="header and topic")
    assert set(channel.members) == {alice.id, slack.bot_user_id}
    assert channel.topic == "⛑️ Alice Adams | Status: Active | Type: Default | Severity: High | Priority: High"
    assert channel.purpose.startswith("INC-1 · ")
    header = slack.messages(channel.id)[0]
    assert header.blocks[0]["text"]["text"] == "INC-1: DB latency"
    assert [pin.ts for pin in channel.pins] == [header.ts]
    assert [b["text"]["text"] for b in header.blocks[-1]["elements"]] == [
        "Update incident",
        "Assign role",
        "Timeline",
        "Join",
    ]

    await eventually(lambda: top_view_title(slack, alice) == "Incident Reported", what="the confirmation")
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="the help tips")
    assert slack.dms(alice.id)[0].text.startswith("You are the incident commander of INC-1")
    await eventually(lambda: len(slack.ephemerals(channel.id, alice.id)) == 1, what="the welcome")
    assert slack.ephemerals(channel.id, alice.id)[0].text == "Welcome to INC-1: DB latency"


async def test_invalid_form_is_answered_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    view = await open_report_form(slack.as_user(alice), general)
    with pytest.raises(ClientRefused):
        view.fill({"Title": "x" * 151})  # the input's max_length: Slack's client refuses, so does the fake
    view.fill({"Title": "   ", "Description": "blank title"})
    ack = await view.submit()
    assert ack.payload == {
        "response_action": "errors",
        "errors": {"title": "Give the incident a short title."},
    }
    assert await incident_count(bot) == 0


async def test_double_submit_and_redelivery_create_one_incident(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    view = await open_report_form(slack.as_user(alice), general)
    view.fill({"Title": "Twice"})
    first = await view.submit()
    await slack.socket.redeliver(first)
    await eventually(lambda: len(incident_channels(slack)) == 1, what="the channel")
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="creation to finish")
    assert await incident_count(bot) == 1
    assert len(slack.calls_to("conversations.create")) == 1


async def test_message_shortcut_prefills_the_description(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    message = await person.post(general.id, "checkout returns 502 for everyone")
    await person.shortcut("report_incident_shortcut", message=message, channel=general.id)
    view = await person.wait_for_view()
    description = str(view.values["description"]["description"]["value"])
    assert description.startswith("checkout returns 502 for everyone\n\nReported from http")


async def test_restricted_incident_gets_a_private_channel_and_no_notification(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    announcements = slack.add_channel("incidents", members=[slack.bot_user_id])
    settings = bot_settings(slack, database_url)
    settings = settings.model_copy(update={"notifications": [NotificationSettings(channel=announcements.id)]})
    await start_bot(settings)
    await slack.socket.wait_connected()
    person = slack.as_user(alice)
    await report(person, general, Type="Security")
    await report(person, general, Title="Public one")
    await eventually(lambda: len(incident_channels(slack)) == 2, what="both channels")
    secret, public = sorted(incident_channels(slack), key=lambda c: c.name)
    assert secret.is_private
    assert not public.is_private
    await eventually(lambda: len(slack.messages(announcements.id)) == 1, what="the public notification")
    await eventually(lambda: len(slack.dms(alice.id)) == 2, what="both creations to finish")
    notice = slack.messages(announcements.id)[0]
    assert "INC-2" in notice.text
    assert [b["text"]["text"] for b in notice.blocks[-1]["elements"]] == ["Join", "Subscribe"]


async def test_commander_by_policy(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    carol = slack.add_user("carol", real_name="Carol Chen", email="carol@example.com")
    policy = RolePolicySettings(role="commander", user="carol@example.com", priorities=["High"])
    settings = bot_settings(slack, database_url).model_copy(update={"role_policies": [policy]})
    await start_bot(settings)
    await slack.socket.wait_connected()
    await report(slack.as_user(alice), general, Priority="High")
    await eventually(lambda: len(slack.dms(carol.id)) == 1, what="the commander's help tips")
    channel = incident_channels(slack)[0]
    assert set(channel.members) == {alice.id, carol.id, slack.bot_user_id}
    assert channel.topic.startswith("⛑️ Carol Chen |")


async def test_rate_limited_channel_creation_still_completes(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    slack.faults.rate_limit("conversations.create", times=2, retry_after=0)
    await report(slack.as_user(alice), general)
    await eventually(lambda: len(incident_channels(slack)) == 1, within=15, what="the channel after 429s")
    assert [call.status for call in slack.calls_to("conversations.create")] == [429, 429, 200]


async def test_a_taken_channel_name_gets_a_suffix(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    someone_elses = slack.add_channel("inc-1-db-latency", members=[alice.id])
    await report(slack.as_user(alice), general)
    await eventually(lambda: len(incident_channels(slack)) == 2, what="the incident channel")
    created = next(c for c in incident_channels(slack) if c.id != someone_elses.id)
    assert created.name == "inc-1-db-latency-2"
    assert slack.messages(someone_elses.id) == []


async def test_a_slack_refusal_keeps_the_incident_and_offers_a_retry(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    slack.faults.error("conversations.create", "restricted_action", times=10)
    await report(slack.as_user(alice), general)
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="the failure notice")
    notice = slack.dms(alice.id)[0]
    assert notice.text.startswith(":warning: *Creating your incident* could not be finished.")
    assert await incident_count(bot) == 1  # the record is kept whatever Slack said
    assert incident_channels(slack) == []

    slack.faults.clear()
    await slack.as_user(alice).click(notice, "Retry")
    await eventually(lambda: len(incident_channels(slack)) == 1, what="the channel after the retry")
    await eventually(lambda: bool(incident_channels(slack)[0].pins), what="the header after the retry")
    assert await incident_count(bot) == 1


async def test_report_from_a_channel_the_bot_is_not_in(bot: Running, slack: FakeSlack, alice: User) -> None:
    random = slack.add_channel("random", members=[alice.id])
    await report(slack.as_user(alice), random)
    await eventually(lambda: len(incident_channels(slack)) == 1, what="the incident channel")
    assert slack.messages(random.id) == []
