"""Assigning roles, end to end: the command and the header button, the modal, and what follows."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Role
from dispatchbot.testing import Channel, FakeSlack, Person, User
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.refusals import assert_refused, ephemeral, incident_channel_only, managers_only
from tests.support.waiting import eventually

COMMAND = "/dispatch-assign-role"


def texts(slack: FakeSlack, channel: Channel) -> list[str]:
    return [message.text for message in slack.messages(channel.id)]


async def assign(person: Person, channel: Channel, user: User | str, role: str) -> dict[str, object]:
    """Run the command, fill the modal and submit it; returns the submission's ack payload."""
    view = await open_command_form(person, channel, COMMAND, "assign_role")
    assert view.title == "Assign Role"
    view.fill({"Person": user if isinstance(user, str) else user.id, "Role": role})
    submitted = await view.submit()
    assert submitted.payload is not None
    return submitted.payload


async def test_assigning_a_scribe_invites_announces_and_refreshes(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    incident, channel = await report_incident(bot, slack, alice, general)
    updates, topics = len(slack.calls_to("chat.update")), len(slack.calls_to("conversations.setTopic"))

    answer = await assign(slack.as_user(alice), channel, bob, "Scribe")

    assert answer["response_action"] == "update"
    announcement = f"<@{alice.id}> assigned Scribe to <@{bob.id}>."
    await eventually(lambda: announcement in texts(slack, channel), what="the announcement")
    assert bob.id in channel.members
    await eventually(
        lambda: (
            len(slack.calls_to("chat.update")) > updates
            and len(slack.calls_to("conversations.setTopic")) > topics
        ),
        what="the header and topic refresh",
    )
    assert [e.text for e in slack.ephemerals(channel.id, bob.id)] == ["Welcome to INC-1: DB latency"]
    scribe = await bot.deps.participants.get(incident.id, bob.id)
    assert scribe is not None
    assert scribe.roles == {Role.SCRIBE}
    assert scribe.added_by == alice.id
    events = await bot.deps.incidents.timeline(incident.id)
    assert any(e.kind == "role_assigned" and e.description == announcement[:-1] for e in events)


async def test_reassigning_the_commander_hands_over(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    incident, channel = await report_incident(bot, slack, alice, general)
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="alice's own help tips")

    await assign(slack.as_user(alice), channel, bob, "Incident Commander")

    await eventually(lambda: len(slack.dms(bob.id)) == 1, what="the new commander's help tips")
    assert slack.dms(bob.id)[0].text.startswith("You are the incident commander of INC-1")
    assert (
        f"<@{alice.id}> assigned Incident Commander to <@{bob.id}>. "
        f"<@{alice.id}> stepped down as Incident Commander."
    ) in texts(slack, channel)
    assert (await bot.deps.incidents.get(incident.id)).commander_id == bob.id
    previous = await bot.deps.participants.get(incident.id, alice.id)
    assert previous is not None
    assert previous.roles == {Role.REPORTER}
    await eventually(lambda: channel.topic.startswith("⛑️ Bob Brown |"), what="the topic")
    header = slack.messages(channel.id)[0]
    assert f"*Commander*\n<@{bob.id}>" in [f["text"] for f in header.blocks[1]["fields"]]

    # Alice no longer manages the incident, so the command is now refused to her.
    ack = await slack.as_user(alice).slash_command(COMMAND, channel=channel.id)
    assert ack.payload == ephemeral(managers_only(bob, "assign roles"))


async def test_a_role_already_held_changes_nothing(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    before = texts(slack, channel)
    person = slack.as_user(alice)

    answer = await assign(person, channel, alice, "Incident Commander")

    assert answer["response_action"] == "update"
    top = slack.workspace.top_view(alice.id)
    assert top is not None
    assert "is already Incident Commander of *INC-1*. Nothing changed." in str(top.blocks)
    await assign(person, channel, alice, "Observer")
    assert texts(slack, channel) == before
    assert not slack.calls_to("conversations.invite")[1:]  # only the creation's invitation


async def test_people_who_do_not_manage_the_incident_are_refused(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    await assert_refused(slack, bob, channel, COMMAND, "Assign role", managers_only(alice, "assign roles"))


async def test_the_header_button_opens_the_form_for_the_commander(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    _incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    await person.click(slack.messages(channel.id)[0], "Assign role")
    view = await person.wait_for_view(callback_id="assign_role")
    view.fill({"Person": bob.id, "Role": "Liaison"})
    await view.submit()
    await eventually(
        lambda: f"<@{alice.id}> assigned Liaison to <@{bob.id}>." in texts(slack, channel),
        what="the announcement",
    )


async def test_outside_an_incident_channel_the_command_explains_where_it_works(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    ack = await slack.as_user(alice).slash_command(COMMAND, channel=general.id)
    assert ack.payload == ephemeral(incident_channel_only(COMMAND))


async def test_bots_and_deactivated_people_are_refused_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    helper = slack.add_user("deploybot", real_name="Deploy Bot", is_bot=True)
    gone = slack.add_user("gone", real_name="Gone Person", deleted=True)
    incident, channel = await report_incident(bot, slack, alice, general)

    person = slack.as_user(alice)
    for user, error in (
        (helper.id, "Deploy Bot is a bot; roles are for people."),
        (slack.bot_user_id, "Dispatch Bot is a bot; roles are for people."),
        (gone.id, "Gone Person's account is deactivated. Choose someone else."),
    ):
        await person.slash_command(COMMAND, channel=channel.id)
        view = await person.wait_for_view(callback_id="assign_role")
        view.fill({"Person": user, "Role": "Scribe"})
        ack = await view.submit()
        assert ack.payload == {"response_action": "errors", "errors": {"person": error}}
        assert view.is_open
        await view.close()
        assert await bot.deps.participants.get(incident.id, user) is None
