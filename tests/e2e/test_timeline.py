"""The incident timeline in Slack, end to end: adding events by hand, capturing messages by reaction,
and reading the timeline in its paginated modal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatchbot.app import Running
from dispatchbot.blocks.common import buttons
from dispatchbot.domain import TimelineEvent
from dispatchbot.ids import ActionId
from dispatchbot.testing import Channel, FakeSlack, Person, User, View
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.refusals import ephemeral, incident_channel_only, managers_only
from tests.support.runs import settled
from tests.support.waiting import eventually, eventually_value

COMMAND = "/dispatch-add-timeline-event"
BERLIN = ZoneInfo("Europe/Berlin")


async def open_form(person: Person, channel: Channel, text: str = "") -> View:
    view = await open_command_form(person, channel, COMMAND, "add_timeline_event", text)
    assert view.title == "Add Timeline Event"
    return view


def picked(view: View, block_id: str, key: str) -> Any:
    return view.values[block_id][block_id][key]


async def events_of(bot: Running, incident_id: int, kind: str) -> list[TimelineEvent]:
    return [event for event in await bot.deps.incidents.timeline(incident_id) if event.kind == kind]


async def wait_for_events(bot: Running, incident_id: int, kind: str, count: int) -> list[TimelineEvent]:
    """Poll until the incident has `count` events of `kind` (reactions are handled after the ack)."""

    async def exactly_count() -> list[TimelineEvent] | None:
        found = await events_of(bot, incident_id, kind)
        return found if len(found) == count else None

    return await eventually_value(exactly_count, what=f"{count} {kind} events")


def section_texts(view: View) -> list[str]:
    return [str(block["text"]["text"]) for block in view.blocks if block["type"] == "section"]


def context_text(view: View, index: int = 1) -> str:
    return str(view.blocks[index]["elements"][0]["text"])


# ------------------------------------------------------------------ /dispatch-add-timeline-event


async def test_command_text_prefills_the_form(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)

    view = await open_form(person, channel, "DB failover DATE 2026-11-20 TIME 14:05")
    assert view.values["description"]["description"]["value"] == "DB failover"
    assert picked(view, "date", "selected_date") == "2026-11-20"
    assert picked(view, "time", "selected_time") == "14:05"
    zone = picked(view, "timezone", "selected_option")
    assert zone["value"] == "Europe/Berlin"
    assert zone["text"]["text"] == "My Slack time zone (Europe/Berlin)"
    assert view.input_labels() == ["Description", "Date", "Time", "Timezone"]
    await view.close()

    before = datetime.now(BERLIN)
    view = await open_form(person, channel, "Rolled back the deploy")
    after = datetime.now(BERLIN)
    assert view.values["description"]["description"]["value"] == "Rolled back the deploy"
    assert picked(view, "date", "selected_date") in {before.date().isoformat(), after.date().isoformat()}
    assert picked(view, "time", "selected_time") in {f"{before:%H:%M}", f"{after:%H:%M}"}


async def test_submitting_stores_the_event_and_tells_the_channel(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)

    view = await open_form(person, channel, "DB failover DATE 2026-11-20 TIME 14:05")
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    assert not view.is_open

    def confirmed() -> bool:
        return any("added to the timeline" in message.text for message in slack.messages(channel.id))

    await eventually(confirmed, what="the confirmation in the channel")
    confirmation = [m for m in slack.messages(channel.id) if "added to the timeline" in m.text]
    assert len(confirmation) == 1
    assert confirmation[0].text.startswith(f"<@{alice.id}> added to the timeline: <!date^")
    assert confirmation[0].text.endswith("|2026-11-20 13:05 UTC>, DB failover")
    [event] = await events_of(bot, incident.id, "custom")
    assert event.description == "DB failover"
    assert event.actor_id == alice.id
    assert event.occurred_at == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)

    view = await open_form(person, channel, "Paged the DBA team")
    view.fill({"Date": "2026-11-21", "Time": "09:30", "Timezone": "UTC"})
    await view.submit()
    events = await wait_for_events(bot, incident.id, "custom", 2)
    assert events[-1].occurred_at == datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    await eventually(lambda: len([m for m in slack.messages(channel.id) if "added to the" in m.text]) == 2)


async def test_only_the_commander_or_scribe_may_add_events(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)

    ack = await slack.as_user(bob).slash_command(COMMAND, text="I did a thing", channel=channel.id)
    assert ack.payload == ephemeral(managers_only(alice, "add to the timeline"))
    assert slack.workspace.top_view(bob.id) is None
    assert await events_of(bot, incident.id, "custom") == []


async def test_outside_an_incident_channel_the_command_explains_where_it_works(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await report_incident(bot, slack, alice, general)
    ack = await slack.as_user(alice).slash_command(COMMAND, text="x", channel=general.id)
    assert ack.payload == ephemeral(incident_channel_only(COMMAND))
    top = slack.workspace.top_view(alice.id)
    assert top is None or top.callback_id != "add_timeline_event"


async def test_a_time_in_the_future_or_an_empty_description_is_refused_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, "Will fail over")
    tomorrow = (datetime.now(BERLIN) + timedelta(days=1)).date().isoformat()
    view.fill({"Date": tomorrow})

    ack = await view.submit()
    assert ack.payload is not None
    assert ack.payload["response_action"] == "errors"
    assert ack.payload["errors"]["date"].startswith("That is in the future")
    assert view.is_open

    view.fill({"Date": "2026-11-20", "Description": "   "})
    ack = await view.submit()
    assert ack.payload == {"response_action": "errors", "errors": {"description": "Say what happened."}}
    assert await events_of(bot, incident.id, "custom") == []


# ------------------------------------------------------------------ reaction capture


async def test_a_reaction_adds_the_message_with_names_and_its_original_time(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    message = await slack.as_user(bob).post(channel.id, f"Restarted the primary, <@{alice.id}> is watching")
    reply = await slack.as_user(bob).post(channel.id, "Replica caught up", thread_ts=message.ts)

    await slack.as_user(alice).react(message, "stopwatch")
    [event] = await wait_for_events(bot, incident.id, "message", 1)
    assert event.description == "Restarted the primary, @Alice Adams is watching"
    assert event.actor_id == bob.id
    assert abs(event.occurred_at - datetime.fromtimestamp(float(message.ts), UTC)) < timedelta(milliseconds=1)
    assert event.details["added_by"] == alice.id
    assert event.details["permalink"]

    await slack.as_user(alice).react(reply, "stopwatch")  # a thread reply is found too
    events = await wait_for_events(bot, incident.id, "message", 2)
    assert [e.description for e in events] == [
        "Restarted the primary, @Alice Adams is watching",
        "Replica caught up",
    ]


async def test_one_message_is_one_event_and_leaves_with_the_last_reaction(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    message = await slack.as_user(alice).post(channel.id, "Failover done")

    await slack.as_user(alice).react(message, "stopwatch")
    await slack.as_user(bob).react(message, "stopwatch")
    await wait_for_events(bot, incident.id, "message", 1)
    await settled(bot)
    assert len(await events_of(bot, incident.id, "message")) == 1

    await slack.as_user(alice).unreact(message, "stopwatch")
    await settled(bot)
    assert len(await events_of(bot, incident.id, "message")) == 1  # bob's reaction still holds it

    await slack.as_user(bob).unreact(message, "stopwatch")
    await wait_for_events(bot, incident.id, "message", 0)


async def test_other_emoji_and_other_channels_are_ignored(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    elsewhere = await person.post(general.id, "Lunch?")
    await person.react(elsewhere, "stopwatch")
    ignored = await person.post(channel.id, "Looks bad")
    await person.react(ignored, "eyes")
    wanted = await person.post(channel.id, "Found the cause")
    await person.react(wanted, "stopwatch")

    await wait_for_events(bot, incident.id, "message", 1)
    await settled(bot)
    assert [e.description for e in await events_of(bot, incident.id, "message")] == ["Found the cause"]


# ------------------------------------------------------------------ the Timeline modal


async def test_the_timeline_button_opens_a_paginated_timeline(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url)
    timeline = settings.timeline.model_copy(update={"page_size": 5})
    bot = await start_bot(settings.model_copy(update={"timeline": timeline}))
    await slack.socket.wait_connected()
    incident, channel = await report_incident(bot, slack, alice, general)
    for step in range(1, 12):
        await bot.deps.incidents.add_event(incident.id, "custom", f"Step {step}", alice.id)
    await bot.deps.incidents.add_event(incident.id, "custom", "x" * 5000, alice.id)
    events = await bot.deps.incidents.timeline(incident.id)
    pages = -(-len(events) // 5)
    person = slack.as_user(alice)

    await person.click(slack.messages(channel.id)[0], "Timeline")
    view = await person.wait_for_view(callback_id="timeline")
    assert view.title == "INC-1 timeline"
    assert (
        context_text(view) == f"{len(events)} events · page {pages} of {pages} · times in UTC, oldest first"
    )
    last = section_texts(view)
    assert len(last) == len(events) - (pages - 1) * 5
    assert all(len(text) <= 3000 for text in last)
    assert last[-1].endswith("…")
    assert last[0] == f"*{events[(pages - 1) * 5].occurred_at:%Y-%m-%d %H:%M}* · <@{alice.id}> · Step 10"
    assert len(view.blocks) <= 100

    # Each click carries the page it goes to, so no two clicks here look like one double click.
    for page in range(pages - 1, 0, -1):
        await view.click("Previous")
        await eventually(lambda: f"page {page} of" in context_text(view), what=f"page {page}")  # noqa: B023
        assert len(section_texts(view)) == 5
    first = section_texts(view)
    assert first[0].endswith(f"Incident reported by <@{alice.id}>")  # the actor is not named twice
    assert [b["text"]["text"] for b in view.blocks[-2]["elements"]] == ["Next"]

    await view.click("Next")
    await eventually(lambda: "page 2 of" in context_text(view), what="page 2 again")
    assert [b["text"]["text"] for b in view.blocks[-2]["elements"]] == ["Previous", "Next"]


async def test_a_restricted_timeline_is_not_shown_to_outsiders(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, _channel = await report_incident(
        bot, slack, alice, general, Visibility="Restricted (participants only)"
    )
    bob = slack.add_user("bob", real_name="Bob Brown")
    await slack.as_user(bob).join(general.id)
    forged = [buttons(("Timeline", ActionId.OPEN_TIMELINE, str(incident.id)))]
    await bot.deps.slack.post_message(general.id, "timeline", forged)

    await slack.as_user(bob).click(slack.messages(general.id)[-1], "Timeline")
    answer = "That incident does not exist or is not visible to you."
    await eventually(
        lambda: [e.text for e in slack.ephemerals(general.id, bob.id)][-1:] == [answer], what="the refusal"
    )
    assert slack.workspace.top_view(bob.id) is None
