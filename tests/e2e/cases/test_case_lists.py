"""Open cases in lists (issue 11, items 5 and 8): `/dispatch-list-cases`, "Your open cases" on the App Home
tab, and the daily summary's count of a case channel's new and closed cases. A restricted case is never
shown to someone who is not one of its people."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from dispatchbot.alerting.cases import ResolutionReason
from dispatchbot.flows.incidents import daily_summary
from dispatchbot.storage.cases import CaseRepository
from dispatchbot.testing import FakeSlack, Message, User
from tests.e2e.alerts.support import alert_settings
from tests.e2e.cases.support import START, TRIAGE, Desk, OpenDesk
from tests.e2e.test_app_home import open_home
from tests.e2e.test_list_incidents import _texts
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

LIST = "/dispatch-list-cases"
SECRETS = "secrets"
LEAK = "Key <!channel> in a public repo"
SUMMARY = "Daily incident summary"


@pytest.fixture
async def open_desks(slack: FakeSlack, database_url: str) -> AsyncIterator[OpenDesk]:
    """A `Desk` whose alerts titled "Key …" open restricted Security cases in #secrets (the first
    signal), and all others open cases in #triage as usual."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_(**settings: Any) -> Desk:
            channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
            slack.add_channel(SECRETS, members=[slack.bot_user_id])
            signals = [
                {"name": "Leaked key", "route": "case", "case_type": "Security", "match": {"title": "~^Key"}},
                {"name": "Disk full", "route": "case", "channel": f"#{TRIAGE}"},
            ]
            case_types = [
                {"name": "Default"},
                {"name": "Security", "channel": f"#{SECRETS}", "visibility": "restricted"},
            ]
            found = alert_settings(slack, database_url, signals=signals, case_types=case_types, **settings)
            clock = ManualClock(START)
            running = await stack.enter_async_context(running_bot(slack, found, clock))
            return Desk(running, slack, channel, clock)

        yield open_


async def listed(slack: FakeSlack, person: User) -> str:
    """Run the command in the person's DM with the app; all its ephemeral answer shows, as one text."""
    where = slack.workspace.im_with(person.id).id
    before = len(slack.ephemerals(where, person.id))
    assert (await slack.as_user(person).slash_command(LIST, channel=where)).ok
    await eventually(lambda: len(slack.ephemerals(where, person.id)) > before, what="the case list")
    [answer] = slack.ephemerals(where, person.id)[before:]
    return "\n".join([answer.text, *(text for block in answer.blocks for text in _texts(block))])


async def resolve(desk: Desk, case_id: int, user: User) -> None:
    await desk.running.deps.cases.triage(case_id, user.id)
    await desk.running.deps.cases.resolve(case_id, user.id, ResolutionReason.BENIGN, "Expected.")


async def set_people(desk: Desk, case_id: int, **people: Any) -> None:
    async with desk.running.deps.database.sessions.begin() as session:
        await CaseRepository(session).change(case_id, **people)


def summaries(slack: FakeSlack, channel_id: str) -> list[Message]:
    return [message for message in slack.messages(channel_id) if message.text.startswith(SUMMARY)]


async def test_the_list_shows_open_cases_newest_first_with_a_link(
    open_desks: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desks()
    alice = slack.add_user("alice")
    assert "There are no open cases." in await listed(slack, alice)

    await desk.fire("db1")
    await desk.fire("db1")
    desk.clock.advance(seconds=7200)  # past the window: the next alert opens a second case
    await desk.fire("db2", title="Disk 99% on <!here> db2")
    await desk.settled()
    await slack.as_user(alice).click(desk.case(2), "Triage")
    await desk.settled()

    text = await listed(slack, alice)
    assert text.startswith("2 open cases")
    assert text.index("*CASE-2*") < text.index("*CASE-1*")
    assert "*CASE-2* · Disk 99% on &lt;!here&gt; db2" in text
    assert f"Triage · Priority: Medium · Assignee: <@{alice.id}> · 1 alert · <https://" in text
    assert "New · Priority: Medium · Assignee: nobody · 2 alerts" in text
    assert f"/archives/{desk.channel.id}/p" in text


async def test_closed_cases_are_not_listed(open_desks: OpenDesk, slack: FakeSlack) -> None:
    desk = await open_desks()
    alice = slack.add_user("alice")
    await desk.fire("db1")
    await desk.settled()
    await resolve(desk, 1, alice)
    assert "There are no open cases." in await listed(slack, alice)


async def test_a_restricted_case_is_listed_only_for_its_people(
    open_desks: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desks()
    alice, bob, carol = slack.add_user("alice"), slack.add_user("bob"), slack.add_user("carol")
    await desk.fire("vault", title=LEAK)
    await desk.settled()
    assert (await desk.running.deps.cases.get(1)).restricted

    assert "There are no open cases." in await listed(slack, bob)
    await set_people(desk, 1, assignee=alice.id, participants=[carol.id])
    for person in (alice, carol):
        text = await listed(slack, person)
        assert "*CASE-1* :lock: · Key &lt;!channel&gt; in a public repo" in text
    assert "CASE-1" not in await listed(slack, bob)


async def test_the_home_tab_shows_my_open_cases_only(open_desks: OpenDesk, slack: FakeSlack) -> None:
    desk = await open_desks()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await desk.fire("db1")
    await desk.fire("vault", title=LEAK)
    await desk.settled()
    await slack.as_user(alice).click(desk.cases()[0], "Triage")
    await desk.settled()

    home = await open_home(slack, alice, "Your open cases")
    mine = home.split("Your open cases", 1)[1].split("Other open incidents", 1)[0]
    assert "*CASE-1* · Disk 95% on db1" in mine
    assert "CASE-2" not in home  # restricted, and not hers
    home = await open_home(slack, bob, "Your open cases")
    assert "You are not assigned to or taking part in any open case." in home
    assert "CASE-" not in home


async def test_the_daily_summary_counts_each_case_channel_s_new_and_closed_cases(
    open_desks: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desks(summaries={"daily_time": "18:00", "daily_timezone": "UTC"})
    alice = slack.add_user("alice")
    await desk.fire("db1")
    desk.clock.advance(seconds=7200)
    await desk.fire("db2")
    await desk.fire("vault", title=LEAK)  # restricted: not counted
    await desk.settled()
    await resolve(desk, 1, alice)

    at = START.replace(hour=18)
    await daily_summary.tick(desk.running.deps, at)
    [summary] = summaries(slack, desk.channel.id)
    assert summary.text == f"{SUMMARY} for Monday 4 March 2030: cases: 2 new, 1 closed"
    assert summary.blocks[1]["text"]["text"] == "*Cases:* 2 new, 1 closed"
    secrets = slack.workspace.channel_by_name(SECRETS)
    assert secrets is not None
    assert summaries(slack, secrets.id) == []

    await daily_summary.tick(desk.running.deps, at + timedelta(days=1, minutes=1))
    assert len(summaries(slack, desk.channel.id)) == 1  # a quiet day: nothing posted
