"""Listing participants and updating why someone takes part, end to end."""

from __future__ import annotations

from typing import Any

from dispatchbot.app import Running
from dispatchbot.domain import Role
from dispatchbot.testing import Channel, FakeSlack, Person, User
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import new_person
from tests.support.waiting import eventually

LIST = "/dispatch-list-participants"
UPDATE = "/dispatch-update-participant"


async def listed(slack: FakeSlack, person: User, channel: Channel) -> dict[str, Any]:
    """The list command's answer: acked at once, then sent ephemeral through the response_url."""
    posts = len(slack.response_url_posts)
    ack = await slack.as_user(person).slash_command(LIST, channel=channel.id)
    assert ack.ok
    assert not ack.payload
    await eventually(lambda: len(slack.response_url_posts) > posts, what="the answer")
    _path, answer = slack.response_url_posts[-1]
    assert answer["response_type"] == "ephemeral"
    return answer


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


async def update_reason(person: Person, channel: Channel, user: User, reason: str) -> dict[str, Any]:
    view = await open_command_form(person, channel, UPDATE, "update_participant")
    assert view.title == "Update Participant"
    view.fill({"Participant": user.id, "Reason": reason})
    submitted = await view.submit()
    assert submitted.payload is not None
    if submitted.payload.get("response_action") == "errors":
        await view.close()
    return submitted.payload


async def test_participants_are_listed_with_roles_and_reasons(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel, inviter=alice)
    carol = await new_person(slack, "carol")
    await bot.deps.participants.assign_role(incident.id, carol.id, Role.SCRIBE, alice.id)
    await eventually(lambda: len(slack.ephemerals(channel.id, bob.id)) == 1, what="bob's welcome")

    answer = await listed(slack, bob, channel)

    assert answer["text"] == "3 participants in INC-1"
    blocks = answer["blocks"]
    assert blocks[0]["text"]["text"] == "Participants of INC-1"
    lines = section_texts(blocks)
    assert [line.split("\n")[0] for line in lines] == [
        f"<@{alice.id}> — *Incident Commander, Reporter*",
        f"<@{carol.id}> — *Scribe*",
        f"<@{bob.id}> — *Observer*",
    ]
    assert lines[2].split("\n")[1] == f"Added by <@{alice.id}> · Invited by <@{alice.id}>"
    assert lines[1].split("\n")[1] == f"Added by <@{alice.id}> · Assigned Scribe"
    assert lines[0].split("\n")[2].startswith("Joined <!date^")
    assert [e.text for e in slack.ephemerals(channel.id, bob.id)][-1] == "3 participants in INC-1"


async def test_a_long_list_stays_within_block_kit_limits(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    for number in range(60):
        await bot.deps.participants.add(
            incident.id, f"U9{number:07d}", Role.OBSERVER, added_by=alice.id, reason="Joined the channel"
        )

    blocks = (await listed(slack, alice, channel))["blocks"]
    assert len(blocks) <= 50
    assert blocks[-1]["elements"][0]["text"] == "…and 14 more."
    assert section_texts(blocks)[0].startswith(f"<@{alice.id}> — *Incident Commander")


async def test_a_restricted_incidents_participants_never_reach_outsiders(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    mallory = slack.add_user("mallory", real_name="Mallory Moe")
    slack.workspace.channels[general.id].members.append(mallory.id)
    _incident, channel = await report_incident(bot, slack, alice, general, Type="Security")
    assert channel.is_private
    assert mallory.id not in channel.members

    probe = await listed(slack, mallory, channel)  # a forged request from outside
    elsewhere = await listed(slack, mallory, general)

    assert probe["text"] == "INC-1 is restricted: only its participants can see who takes part."
    assert "blocks" not in probe
    assert "works only in an incident channel" in str(elsewhere["text"])
    shown = [str((e.text, e.blocks)) for e in slack.ephemerals(user=mallory.id)]
    shown += [str((m.text, m.blocks)) for m in slack.dms(mallory.id)]
    shown += [str(body) for _path, body in slack.response_url_posts]
    assert not [text for text in shown if "Participants of" in text or alice.id in text]
    assert (await listed(slack, alice, channel))["text"] == "1 participant in INC-1"


async def test_people_update_their_own_reason_and_managers_anyones(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    await eventually(
        lambda: bool(slack.ephemerals(channel.id, bob.id)), what="bob to be taken in as an observer"
    )
    commander, observer = slack.as_user(alice), slack.as_user(bob)

    await observer.slash_command(UPDATE, channel=channel.id)
    form = await observer.wait_for_view(callback_id="update_participant")
    assert form.values["person"]["person"]["selected_user"] == bob.id  # the caller by default
    await form.close()

    answer = await update_reason(observer, channel, bob, "Owns the payments database")
    assert answer["response_action"] == "update"
    refused = await update_reason(observer, channel, alice, "Hijacked")
    assert refused == {
        "response_action": "errors",
        "errors": {
            "person": "Only the incident commander or the scribe can change someone else's reason. "
            "Choose yourself."
        },
    }
    answer = await update_reason(commander, channel, bob, "Payments DBA on call")
    assert answer["response_action"] == "update"
    carol = await new_person(slack, "carol")  # not taking part
    outsider = await update_reason(commander, channel, carol, "Not here")
    assert outsider == {
        "response_action": "errors",
        "errors": {"person": "This person is not taking part in INC-1."},
    }

    participant = await bot.deps.participants.get(incident.id, bob.id)
    assert participant is not None
    assert participant.added_reason == "Payments DBA on call"
    lead = await bot.deps.participants.get(incident.id, alice.id)
    assert lead is not None
    assert lead.added_reason != "Hijacked"


async def test_only_participants_can_update_participants(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    dave = slack.add_user("dave", real_name="Dave Doe")

    ack = await slack.as_user(dave).slash_command(UPDATE, channel=channel.id)

    assert ack.payload == {
        "response_type": "ephemeral",
        "text": "Only people taking part in INC-1 can update participants. Join the incident first.",
    }
    assert slack.workspace.top_view(dave.id) is None
