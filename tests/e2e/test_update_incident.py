"""Updating an incident in Slack, end to end: who may, the form, the channel, status changes, notices."""

from __future__ import annotations

from typing import Any

import pytest

from dispatchbot.app import Running
from dispatchbot.config import NotificationSettings, RolePolicySettings
from dispatchbot.domain import Role, Status
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User, View
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.refusals import assert_refused, ephemeral, managers_only
from tests.support.runs import finished, settled
from tests.support.waiting import eventually

COMMAND = "/dispatch-update-incident"


async def start(slack: FakeSlack, database_url: str, start_bot: StartBot, **updates: Any) -> Running:
    settings = bot_settings(slack, database_url)
    if "archive_on_close" in updates:
        incidents = settings.incidents.model_copy(
            update={"archive_on_close": updates.pop("archive_on_close")}
        )
        updates["incidents"] = incidents
    running = await start_bot(settings.model_copy(update=updates))
    await slack.socket.wait_connected()
    return running


async def open_form(person: Person, channel: Channel, text: str = "") -> View:
    view = await open_command_form(person, channel, COMMAND, "update_incident", text)
    assert view.title == "Update Incident"
    return view


async def submit(bot: Running, view: View, values: dict[str, Any]) -> None:
    """Fill and submit the form, then wait until the update run has finished."""
    view.fill(values)
    key = f"view:{view.id}:{view.hash}"
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    await finished(bot, "update_incident", key)


async def update(bot: Running, person: Person, channel: Channel, text: str = "", **values: Any) -> None:
    await submit(bot, await open_form(person, channel, text), values)


@pytest.fixture
def bob(slack: FakeSlack) -> User:
    return slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")


@pytest.fixture
async def scribed_bot(slack: FakeSlack, database_url: str, start_bot: StartBot, bob: User) -> Running:
    """A bot whose role policy makes bob the scribe of every incident."""
    scribe = RolePolicySettings(role="scribe", user="bob@example.com")
    return await start(slack, database_url, start_bot, role_policies=[scribe])


async def close_then_reopen_from_elsewhere(
    bot: Running, person: Person, channel: Channel, elsewhere: Channel
) -> None:
    """Close the incident (which archives its channel), then reopen it by name from another channel."""
    await update(bot, person, channel, Status="Closed")
    await update(bot, person, elsewhere, text="INC-1", Status="Active")


def texts(slack: FakeSlack, channel: Channel) -> list[str]:
    return [message.text for message in slack.messages(channel.id)]


def body(message: Message) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in message.blocks)


async def test_commander_updates_fields_and_the_channel_follows(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    announcements = slack.add_channel("incidents", members=[slack.bot_user_id])
    bot = await start(
        slack, database_url, start_bot, notifications=[NotificationSettings(channel=announcements.id)]
    )
    incident, channel = await report_incident(bot, slack, alice, general, Description="p99 is 5 s")
    header = slack.messages(channel.id)[0]
    await eventually(lambda: len(slack.messages(announcements.id)) == 1, what="the creation notice")
    person = slack.as_user(alice)

    view = await open_form(person, channel)
    assert view.values["title"]["title"]["value"] == "DB latency"
    assert view.values["status"]["status"]["selected_option"]["value"] == "active"
    assert view.private_metadata == str(incident.id)
    await submit(bot, view, {"Title": "DB latency in eu-west", "Severity": "High", "Priority": "High"})

    edited = slack.messages(channel.id)[0]
    assert edited.ts == header.ts
    assert edited.blocks[0]["text"]["text"] == "INC-1: DB latency in eu-west"
    assert [pin.ts for pin in channel.pins] == [header.ts]
    assert channel.topic == "⛑️ Alice Adams | Status: Active | Type: Default | Severity: High | Priority: High"
    change = slack.messages(channel.id)[-1]
    assert change.text == f"INC-1 updated by <@{alice.id}>"
    assert "*Title*: DB latency → DB latency in eu-west" in body(change)
    assert "*Severity*: Undetermined → High" in body(change)
    assert "*Priority*: Medium → High" in body(change)
    events = await bot.deps.incidents.timeline(incident.id)
    assert {"title_changed", "severity_changed", "priority_changed"} <= {event.kind for event in events}
    await eventually(lambda: len(slack.messages(announcements.id)) == 2, what="the update notice")
    assert slack.messages(announcements.id)[-1].text == "Incident updated: INC-1 DB latency in eu-west"

    await update(bot, person, channel, Description="p99 is 9 s now")
    assert "*Description* updated" in body(slack.messages(channel.id)[-1])
    assert len(slack.messages(announcements.id)) == 2  # a description change is not worth a notice


async def test_header_button_opens_the_form(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    await person.click(slack.messages(channel.id)[0], "Update incident")
    view = await person.wait_for_view(callback_id="update_incident")
    await submit(bot, view, {"Priority": "Low"})
    assert "Priority: Low" in channel.topic


async def test_only_the_commander_or_scribe_may_update(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    refusal = managers_only(alice, "update the incident")
    await assert_refused(slack, bob, channel, COMMAND, "Update incident", refusal)
    assert (await bot.deps.incidents.get(incident.id)).title == incident.title


async def test_a_form_submitted_after_losing_the_role_is_refused(
    scribed_bot: Running, slack: FakeSlack, alice: User, bob: User, general: Channel
) -> None:
    incident, channel = await report_incident(scribed_bot, slack, alice, general)
    view = await open_form(slack.as_user(bob), channel)
    await scribed_bot.deps.participants.leave(incident.id, bob.id)
    view.fill({"Title": "Mine now"})
    ack = await view.submit()
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert "can update the incident" in str(ack.payload["view"])
    assert (await scribed_bot.deps.incidents.get(incident.id)).title == "DB latency"


async def test_outside_an_incident_channel_it_explains_where_it_works(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    ack = await slack.as_user(alice).slash_command(COMMAND, channel=general.id)
    assert ack.payload == ephemeral(
        f"`{COMMAND}` works in an incident's channel. To update an incident from elsewhere "
        f"(a closed one whose channel is archived, say), name it: `{COMMAND} INC-42`."
    )
    assert slack.workspace.top_view(alice.id) is None


async def test_invalid_form_is_answered_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general, Severity="High")
    view = await open_form(slack.as_user(alice), channel)
    view.fill({"Status": "Stable", "Title": "  "})
    ack = await view.submit()
    assert ack.payload == {
        "response_action": "errors",
        "errors": {
            "title": "Give the incident a short title.",
            "severity": "Severity High is not allowed for stable incidents. "
            "Lower the severity, or keep the incident Active.",
        },
    }
    assert await bot.deps.incidents.get(incident.id) == incident


async def test_stable(bot: Running, slack: FakeSlack, alice: User, general: Channel) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await update(bot, slack.as_user(alice), channel, Status="Stable")
    stable = await bot.deps.incidents.get(incident.id)
    assert stable.status is Status.STABLE
    assert stable.stable_at is not None
    assert "Status: Stable" in channel.topic
    assert texts(slack, channel)[-2:] == [f"INC-1 updated by <@{alice.id}>", "INC-1 is stable"]
    assert not channel.archived


async def test_close_archives_the_channel_and_ends_roles(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await update(bot, slack.as_user(alice), channel, Status="Closed", Resolution="Rolled back the index")
    closed = await bot.deps.incidents.get(incident.id)
    assert closed.status is Status.CLOSED
    assert closed.closed_at is not None
    assert channel.archived
    assert "Status: Closed" in channel.topic
    closing = slack.messages(channel.id)[-1]
    assert closing.text == "INC-1 is closed"
    assert "Rolled back the index" in body(closing)
    assert f"`{COMMAND} INC-1`" in body(closing)
    assert [p.roles for p in await bot.deps.participants.members(incident.id)] == [frozenset()]
    archived_at = slack.calls_to("conversations.archive")[-1].at
    in_channel = [call for call in slack.calls_to("chat.postMessage") if call.args["channel"] == channel.id]
    assert all(call.at < archived_at for call in in_channel)  # feedback DMs may follow the archive


async def test_close_keeps_the_channel_when_configured(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    bot = await start(slack, database_url, start_bot, archive_on_close=False)
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    await update(bot, person, channel, Status="Closed")
    assert not channel.archived
    assert slack.calls_to("conversations.archive") == []
    assert "archived" not in body(slack.messages(channel.id)[-1])
    # The roles ended with the close, yet the commander at the time can still edit and reopen it.
    await update(bot, person, channel, Resolution="Added an index")
    assert (await bot.deps.incidents.get(incident.id)).resolution == "Added an index"
    await update(bot, person, channel, Status="Active")
    assert texts(slack, channel)[-2:] == ["INC-1 is reopened", f"INC-1 updated by <@{alice.id}>"]


async def test_reopen_from_elsewhere_then_unarchive_by_hand_brings_everyone_back(
    scribed_bot: Running, slack: FakeSlack, alice: User, bob: User, general: Channel
) -> None:
    incident, channel = await report_incident(scribed_bot, slack, alice, general)
    await update(scribed_bot, slack.as_user(alice), channel, Status="Closed")
    assert channel.archived

    scribe = slack.as_user(bob)
    await update(scribed_bot, scribe, general, text="INC-1", Status="Stable")
    assert channel.archived  # Slack does not let bot tokens unarchive; the reopener is told what to do
    assert slack.dms(bob.id)[-1].text == "INC-1 is reopened, but its channel is still archived"

    await scribe.unarchive(channel.id)  # Slack tells the bot with a channel_unarchive event
    await eventually(lambda: texts(slack, channel)[-1:] == ["INC-1 is open again"], what="the bot's return")
    invited = slack.calls_to("conversations.invite")[-1]
    assert set(str(invited.args["users"]).split(",")) == {alice.id, bob.id}
    assert alice.id in channel.members
    header = slack.messages(channel.id)[0]
    assert ":large_yellow_circle: Stable" in str(header.blocks)
    alice_now = await scribed_bot.deps.participants.get(incident.id, alice.id)
    assert alice_now is not None
    assert Role.COMMANDER in alice_now.roles
    reopened = await scribed_bot.deps.incidents.get(incident.id)
    assert reopened.status is Status.STABLE
    assert reopened.closed_at is None


async def test_double_submissions_apply_once(
    scribed_bot: Running, slack: FakeSlack, alice: User, bob: User, general: Channel
) -> None:
    incident, channel = await report_incident(scribed_bot, slack, alice, general)
    first = await open_form(slack.as_user(alice), channel)
    second = await open_form(slack.as_user(bob), channel)  # the scribe had the same idea

    first.fill({"Severity": "Low"})
    key = f"view:{first.id}:{first.hash}"
    ack = await first.submit()
    await slack.socket.redeliver(ack)  # Slack did not see the ack in time
    await finished(scribed_bot, "update_incident", key)
    second.fill({"Severity": "Low"})
    answer = await second.submit()
    assert answer.payload is not None
    assert "Nothing to change" in str(answer.payload["view"])

    await settled(scribed_bot)  # the redelivery and the second submission were acked: all they caused is done
    changes = [m for m in slack.messages(channel.id) if m.text.startswith("INC-1 updated")]
    assert len(changes) == 1
    events = await scribed_bot.deps.incidents.timeline(incident.id)
    assert [event.kind for event in events].count("severity_changed") == 1


async def test_a_failed_step_resumes_without_repeating_what_it_did(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    slack.faults.server_error("conversations.archive", times=3)  # outlasts the SDK's own retries once
    await update(bot, slack.as_user(alice), channel, Status="Closed")
    assert channel.archived
    assert texts(slack, channel).count("INC-1 is closed") == 1
    assert len(slack.calls_to("conversations.archive")) == 4


async def test_a_keyed_update_is_applied_once(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, _channel = await report_incident(bot, slack, alice, general)
    first = await bot.deps.incidents.update(incident.id, {"status": "closed"}, alice.id, key="run-1")
    await bot.deps.incidents.update(incident.id, {"status": "active"}, alice.id)
    again = await bot.deps.incidents.update(incident.id, {"status": "closed"}, alice.id, key="run-1")
    assert again.changed == first.changed == ("status",)
    assert (again.before.status, again.after.status) == (Status.ACTIVE, Status.CLOSED)
    assert (await bot.deps.incidents.get(incident.id)).status is Status.ACTIVE  # not applied a second time


async def test_inviting_the_bot_back_into_a_reopened_channel_finishes_the_reopen(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await close_then_reopen_from_elsewhere(bot, slack.as_user(alice), channel, general)
    channel.archived = False  # unarchived by someone, and the bot is no longer a member
    channel.members.remove(slack.bot_user_id)
    channel.members.remove(alice.id)
    await slack.as_user(alice).invite(channel.id, slack.bot_user_id)
    await eventually(lambda: texts(slack, channel)[-1:] == ["INC-1 is open again"], what="the bot's return")
    assert alice.id in channel.members
    assert (await bot.deps.incidents.get(incident.id)).status is Status.ACTIVE


async def test_reopen_when_slack_refuses_to_unarchive_asks_for_it_by_hand(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await close_then_reopen_from_elsewhere(bot, slack.as_user(alice), channel, general)
    assert (await bot.deps.incidents.get(incident.id)).status is Status.ACTIVE
    assert channel.archived
    assert slack.dms(alice.id)[-1].text == "INC-1 is reopened, but its channel is still archived"
    assert texts(slack, channel)[-1] == "INC-1 is closed"
