"""`/dispatch-notifications-group`, end to end: who may edit it, the form, and who then gets told."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import MemberKind
from dispatchbot.flows import notify
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.forms import open_form
from tests.support.incidents import report_incident
from tests.support.refusals import ephemeral, incident_channel_only, managers_only

GROUP = "/dispatch-notifications-group"
FORM = "notifications_group"


def element(view_blocks: list[dict[str, object]], block_id: str) -> dict[str, object]:
    block = next(block for block in view_blocks if block.get("block_id") == block_id)
    found = block["element"]
    assert isinstance(found, dict)
    return found


async def test_only_the_commander_or_scribe_in_the_incident_channel_may_edit(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    carol = slack.add_user("carol", real_name="Carol Chen")
    _incident, channel = await report_incident(bot, slack, alice, general)

    elsewhere = await slack.as_user(alice).slash_command(GROUP, channel=general.id)
    assert elsewhere.payload == ephemeral(incident_channel_only(GROUP))
    refused = await slack.as_user(carol).slash_command(GROUP, channel=channel.id)
    assert refused.payload == ephemeral(managers_only(alice, "change who is notified about this incident"))
    assert slack.workspace.top_view(carol.id) is None


async def test_save_prefill_and_the_group_is_notified(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    ops = slack.add_channel("ops", members=[slack.bot_user_id])
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)

    view = await open_form(person, channel, GROUP, FORM)
    assert view.title == "Notifications Group"
    view.fill({"People": [bob.id], "Channels": [ops.id], "Emails": "ops@example.com;\nExecs@Example.com"})
    ack = await view.submit()
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert "notifies 1 person, 1 channel, 2 email addresses" in str(ack.payload["view"])
    assert await bot.deps.notification_group.members(incident.id) == {
        MemberKind.USER: [bob.id],
        MemberKind.CHANNEL: [ops.id],
        MemberKind.EMAIL: ["ops@example.com", "execs@example.com"],
    }
    timeline = await bot.deps.incidents.timeline(incident.id)
    assert timeline[-1].description == f"<@{alice.id}> changed the notifications group"

    again = await open_form(person, channel, GROUP, FORM)
    assert element(again.blocks, "members")["initial_users"] == [bob.id]
    assert element(again.blocks, "channels")["initial_conversations"] == [ops.id]
    assert element(again.blocks, "emails")["initial_value"] == "ops@example.com, execs@example.com"

    await notify.send(bot.deps, incident, "Incident updated")
    assert [m.text for m in slack.dms(bob.id)] == ["Incident updated: INC-1 DB latency"]
    assert [m.text for m in slack.messages(ops.id)] == ["Incident updated: INC-1 DB latency"]


async def test_invalid_email_is_answered_inline(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, GROUP, FORM)
    view.fill({"Emails": "ops@example.com, not-an-address"})
    ack = await view.submit()
    assert ack.payload == {
        "response_action": "errors",
        "errors": {"emails": "“not-an-address” is not an email address. Separate addresses with commas."},
    }
    assert await bot.deps.notification_group.members(incident.id) == {kind: [] for kind in MemberKind}


async def test_restricted_incident_notifies_participants_only(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    carol = slack.add_user("carol", real_name="Carol Chen")
    ops = slack.add_channel("ops", members=[slack.bot_user_id])
    incident, channel = await report_incident(bot, slack, alice, general, Type="Security")

    view = await open_form(slack.as_user(alice), channel, GROUP, FORM)
    view.fill({"People": [alice.id, carol.id], "Channels": [ops.id], "Emails": "ops@example.com"})
    ack = await view.submit()
    restricted = "Restricted incidents notify their participants only"
    assert ack.payload == {
        "response_action": "errors",
        "errors": {
            "members": f"{restricted}: 1 person is not a participant. Remove them.",
            "channels": f"{restricted}: channels cannot be added.",
            "emails": f"{restricted}: email addresses cannot be added.",
        },
    }
    assert await bot.deps.notification_group.members(incident.id) == {kind: [] for kind in MemberKind}

    view.fill({"People": [alice.id], "Channels": [], "Emails": ""})
    assert (await view.submit()).payload is not None
    assert (await bot.deps.notification_group.members(incident.id))[MemberKind.USER] == [alice.id]
    dms_before = len(slack.dms(alice.id))
    await notify.send(bot.deps, incident, "Incident updated")
    assert [m.text for m in slack.dms(alice.id)[dms_before:]] == ["Incident updated: INC-1 DB latency"]
    assert slack.messages(ops.id) == []
    assert slack.dms(carol.id) == []
