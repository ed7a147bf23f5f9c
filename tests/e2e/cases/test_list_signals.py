"""`/dispatch-list-signals` (issue 11 item 5): the signals that post in the channel it is run in, 25 a
page with Previous/Next, each with a Snooze button; a snooze made there is said in the channel."""

from __future__ import annotations

from dispatchbot.alerting.model import Action
from dispatchbot.testing import FakeSlack
from dispatchbot.testing.slack.state import Ephemeral
from tests.e2e.cases.support import TRIAGE, OpenDesk, shown
from tests.support.waiting import eventually


async def listing(slack: FakeSlack, user_id: str, count: int) -> Ephemeral:
    await eventually(lambda: len(slack.ephemerals(user=user_id)) >= count, what=f"list answer {count}")
    return slack.ephemerals(user=user_id)[count - 1]


async def test_the_signals_of_this_channel_a_page_at_a_time(open_desk: OpenDesk, slack: FakeSlack) -> None:
    others = [{"name": f"Disk {n}", "route": "case", "channel": f"#{TRIAGE}"} for n in range(29)]
    desk = await open_desk(more_signals=others)
    alice = slack.add_user("alice")
    lobby = slack.add_channel("lobby", members=[slack.bot_user_id, alice.id])

    await slack.as_user(alice).slash_command("/dispatch-list-signals", channel=lobby.id)
    assert f"There are no signals configured for <#{lobby.id}>" in (await listing(slack, alice.id, 1)).text

    await slack.as_user(alice).slash_command("/dispatch-list-signals", channel=desk.channel.id)
    first = await listing(slack, alice.id, 2)
    assert first.text.startswith("30 signals post in")
    assert "*Disk full* · case" in shown(first)
    assert "Page 1 of 2" in shown(first)
    await slack.as_user(alice).click(first, "Next")
    second = await listing(slack, alice.id, 3)
    assert "Page 2 of 2" in shown(second)
    assert shown(second).count("Snooze") == 5


async def test_a_snooze_from_the_list_is_said_in_the_channel_and_keeps_new_alerts_quiet(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice = slack.add_user("alice")
    await slack.as_user(alice).slash_command("/dispatch-list-signals", channel=desk.channel.id)
    await slack.as_user(alice).click(await listing(slack, alice.id, 1), "Snooze")
    view = await slack.as_user(alice).wait_for_view(callback_id="signal_snooze")
    view.fill({"For": "1 day"})
    assert (await view.submit()).ok
    await eventually(
        lambda: any("snoozed Disk full until" in m.text for m in slack.messages(desk.channel.id)),
        what="the snooze said in the channel",
    )

    assert await desk.fire("db1") == Action.SNOOZED.value
    await desk.settled()
    assert all("snoozed" in message.text for message in desk.cases())  # the note, and no case message

    await slack.as_user(alice).slash_command("/dispatch-list-signals", channel=desk.channel.id)
    assert ":zzz: snoozed until" in shown(await listing(slack, alice.id, 2))
