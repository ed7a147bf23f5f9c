"""Create channel (issue 11 item 3), end to end: the case moves to a channel of its own with its people
in it, the old message points there and the new thread says so; a second click and someone who may
not are refused plainly; a move interrupted half-way is finished without a second channel; and an
escalation afterwards renames the case's channel and makes it the incident's (item 7)."""

from __future__ import annotations

import copy
from typing import Any

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.alerts.support import replies, top_level
from tests.e2e.cases.support import Desk, OpenDesk, shown
from tests.support.waiting import eventually

FORM = "report_incident"


async def triaged(open_desk: OpenDesk, slack: FakeSlack) -> tuple[Desk, User]:
    """A desk whose case 1 Alice triaged (so it is hers), and Alice."""
    desk, alice = await open_desk(), slack.add_user("alice")
    await desk.fire("db1")
    await desk.settled()
    assert (await slack.as_user(alice).click(desk.cases()[0], "Triage")).ok
    await desk.settled()
    return desk, alice


def case_channels(slack: FakeSlack) -> list[Channel]:
    return [c for c in slack.workspace.channels.values() if c.name.startswith("case-")]


async def moved(desk: Desk) -> Channel:
    """Once the case lives in its own channel and everything shows it: that channel."""

    async def there() -> bool:
        return (await desk.running.deps.cases.get(1)).channel.startswith("C")

    await eventually(there, what="the case moved")
    await desk.settled()
    (channel,) = case_channels(desk.slack)
    return channel


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        str(element["text"]["text"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def refused(slack: FakeSlack, user: User, text: str) -> bool:
    return any(text in e.text for e in slack.ephemerals(user=user.id))


async def test_create_channel_moves_the_case_there_with_its_people(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk, alice = await triaged(open_desk, slack)
    carol = slack.add_user("carol")
    as_they_saw_it = copy.deepcopy(desk.cases()[0])  # the workspace edits its messages in place
    assert "Create channel" in buttons(as_they_saw_it.blocks)

    assert (await slack.as_user(carol).click(as_they_saw_it, "Create channel")).ok
    only = "Only the assignee and participants of CASE-1 can change it."
    await eventually(lambda: refused(slack, carol, only), what="Carol's refusal")
    assert case_channels(slack) == []

    assert (await slack.as_user(alice).click(as_they_saw_it, "Create channel")).ok
    channel = await moved(desk)
    assert channel.name == "case-1-disk-95-on-db1"
    assert alice.id in channel.members
    assert carol.id not in channel.members
    case = await desk.running.deps.cases.get(1)
    (message,) = top_level(slack, channel.id)
    assert (case.channel, case.message_ts, case.status) == (channel.id, message.ts, CaseStatus.TRIAGE)
    assert "*CASE-1* · Disk 95% on db1" in shown(message)
    assert "Create channel" not in buttons(message.blocks)
    thread = [reply.text for reply in replies(slack, message)]
    assert thread[0].startswith("Raw payload of the first alert")
    assert thread[-1].endswith(f"moved CASE-1 from <#{desk.channel.id}> to its own channel")

    old = desk.cases()[0]
    assert f"Moved to <#{channel.id}>." in shown(old)
    assert buttons(old.blocks) == []
    assert not any("its own channel" in reply.text for reply in desk.thread())  # said in the new one

    bob = slack.add_user("bob")  # a repeated click of Alice's is dropped as Slack's redelivery
    assert (await slack.as_user(bob).click(as_they_saw_it, "Create channel")).ok
    await eventually(
        lambda: refused(slack, bob, "CASE-1 has its own channel already."), what="the second click"
    )
    assert (await slack.as_user(alice).click(message, "Resolve")).ok  # worked from its new message
    assert len(case_channels(slack)) == 1


async def test_a_move_that_failed_half_way_is_finished_without_a_second_channel(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk, alice = await triaged(open_desk, slack)
    slack.faults.error("conversations.invite", "fatal_error")  # after the channel is made
    assert (await slack.as_user(alice).click(desk.cases()[0], "Create channel")).ok

    channel = await moved(desk)
    assert alice.id in channel.members
    assert len(top_level(slack, channel.id)) == 1
    assert f"Moved to <#{channel.id}>." in shown(desk.cases()[0])


async def test_escalating_a_case_with_its_own_channel_renames_it_for_the_incident(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk, alice = await triaged(open_desk, slack)
    assert (await slack.as_user(alice).click(desk.cases()[0], "Create channel")).ok
    channel = await moved(desk)
    (message,) = top_level(slack, channel.id)

    assert (await slack.as_user(alice).click(message, "Escalate")).ok
    view = await slack.as_user(alice).wait_for_view(callback_id=FORM)
    await view.submit()

    async def escalated() -> bool:
        return (await desk.running.deps.cases.get(1)).status is CaseStatus.ESCALATED

    await eventually(escalated, what="the case escalated")
    await desk.settled()
    incident = await desk.running.deps.incidents.get(1)
    assert incident.channel_id == channel.id
    assert channel.name.startswith("inc-1-")
    assert incident.channel_name == channel.name
    assert len(slack.calls_to("conversations.create")) == 1  # the case's, and no other
    assert alice.id in channel.members
    assert incident.header_ts in {pin.ts for pin in channel.pins}
    assert f"Escalated to <#{channel.id}>." in shown(top_level(slack, channel.id)[0])


async def test_case_commands_in_its_own_channel_need_no_case_named(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk, alice = await triaged(open_desk, slack)
    assert (await slack.as_user(alice).click(desk.cases()[0], "Create channel")).ok
    channel = await moved(desk)

    await slack.as_user(alice).slash_command("/dispatch-update-case", channel=channel.id)
    view = await slack.as_user(alice).wait_for_view(callback_id="case_edit")
    assert "CASE-1" in view.title or "1" in view.private_metadata
