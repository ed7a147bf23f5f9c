"""Engagement (issue 11, item 6): a signal names an entity holding a person; each new case DMs them a
Confirm/Deny question. Only they may answer, once; Confirm closes the case as User Acknowledged, Deny
moves it to Triage, notes their context in the thread and (when the signal says so) pages the case
type's on-call on the PagerDuty fake; someone who cannot be reached gets a note in the thread.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from dispatchbot.alerting.cases import CaseStatus, ResolutionReason
from dispatchbot.testing import FakeSlack, Message, User
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.alerts.support import alert_settings, post
from tests.e2e.cases.support import START, TRIAGE, Desk, says, shown
from tests.support import oncall
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.oncall import DATABASE
from tests.support.waiting import eventually

pd = oncall.pd

ENGAGING = {"entities": {"user": "labels.user"}, "engage": "user"}
CASE_TYPE = {"name": "Security triage", "oncall_service": DATABASE.name}
"""Its cases' opening alerts carry the Database service: a denial pages its on-call."""
ANSWER_FORM = "case_engagement_answer"

OpenDesk = Callable[..., Awaitable[Desk]]


@pytest.fixture
async def engaging_desk(slack: FakeSlack, database_url: str, pd: FakePagerDuty) -> AsyncIterator[OpenDesk]:
    """Desks whose `Disk full` signal engages the alert's `user` label; keywords go over the signal."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_(**signal: Any) -> Desk:
            channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
            disk_full = {"name": "Disk full", "route": "case", "channel": f"#{TRIAGE}", **ENGAGING, **signal}
            settings = alert_settings(
                slack,
                database_url,
                signals=[disk_full],
                case_types=[CASE_TYPE],
                services=[DATABASE],
                pagerduty=pd.settings(from_email="bot@example.com"),
            )
            clock = ManualClock(START)
            running = await stack.enter_async_context(running_bot(slack, settings, clock))
            return Desk(running, slack, channel, clock)

        yield open_


async def fire(desk: Desk, user: str | None, key: str = "db1") -> None:
    """An alert about `user` (its `user` label; none when None)."""
    labels = {"alertname": "DiskFull", "instance": key, **({"user": user} if user is not None else {})}
    body = {"title": "Disk 95% on db1", "status": "firing", "deduplication_key": key, "metadata": labels}
    code, answer = await post(desk.running, "generic", body)
    assert code == 202, answer
    await desk.settled()


async def prompt_of(slack: FakeSlack, person: User) -> Message:
    await eventually(lambda: len(slack.dms(person.id)) == 1, what=f"the question to {person.name}")
    return slack.dms(person.id)[0]


async def deny(slack: FakeSlack, person: User, prompt: Message, context: str) -> None:
    """`person` clicks Deny on `prompt` and submits `context`."""
    await slack.as_user(person).click(prompt, "Deny")
    view = await slack.as_user(person).wait_for_view(callback_id=ANSWER_FORM)
    assert (await view.fill({"What do you know about it?": context}).submit()).ok


def thread_says(desk: Desk, text: str) -> bool:
    return any(text in reply.text for reply in desk.thread())


async def refused(slack: FakeSlack, person: User, text: str, count: int = 1) -> None:
    await eventually(
        lambda: len([e for e in slack.ephemerals(user=person.id) if text in e.text]) == count,
        what=f"{person.name} refused: {text}",
    )


async def test_the_person_is_asked_only_they_may_answer_and_confirm_closes_the_case(
    engaging_desk: OpenDesk, slack: FakeSlack, pd: FakePagerDuty
) -> None:
    desk = await engaging_desk()
    alice = slack.add_user("alice", email="alice@example.com")
    bob = slack.add_user("bob")
    await fire(desk, "alice@example.com")

    prompt = await prompt_of(slack, alice)
    as_asked = copy.deepcopy(prompt)  # the fake edits `prompt` in place
    assert says(prompt, "An alert about you opened *CASE-1*")
    assert says(prompt, f"Discussed in <#{desk.channel.id}>.")
    assert thread_says(desk, f"asked <@{alice.id}> to confirm or deny CASE-1")

    await slack.as_user(bob).click(prompt, "Confirm")
    await refused(slack, bob, "Only the person CASE-1 asked can answer it.")

    await slack.as_user(alice).click(prompt, "Confirm")
    view = await slack.as_user(alice).wait_for_view(callback_id=ANSWER_FORM)
    view.fill({"Anything to add?": "My <!channel> cleanup job."})
    assert (await view.submit()).ok
    await desk.settled()

    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.resolution_reason) == (CaseStatus.CLOSED, ResolutionReason.USER_ACKNOWLEDGED)
    assert case.resolution == "My <!channel> cleanup job."
    assert says(desk.cases()[0], "Closed as User Acknowledged")
    assert thread_says(desk, f"<@{alice.id}> confirmed CASE-1: My &lt;!channel&gt; cleanup job.")
    assert thread_says(desk, "closed CASE-1 as User Acknowledged")
    await eventually(
        lambda: "You confirmed CASE-1." in shown(slack.dms(alice.id)[0]), what="the answer shown"
    )
    assert "Confirm" not in shown(slack.dms(alice.id)[0])

    await slack.as_user(alice).click(as_asked, "Deny")
    await refused(slack, alice, "You answered already: you confirmed CASE-1.")
    assert pd.incidents == []


async def test_deny_moves_the_case_to_triage_notes_it_and_pages_once(
    engaging_desk: OpenDesk, slack: FakeSlack, pd: FakePagerDuty
) -> None:
    desk = await engaging_desk(engage_page_on_deny=True)
    alice = slack.add_user("alice")
    await fire(desk, alice.id)
    prompt = await prompt_of(slack, alice)
    as_asked = copy.deepcopy(prompt)

    await slack.as_user(alice).click(prompt, "Deny")
    view = await slack.as_user(alice).wait_for_view(callback_id=ANSWER_FORM)
    view.fill({"What do you know about it?": "   "})
    await view.submit()
    assert view.error_for("What do you know about it?")
    assert (await desk.running.deps.cases.get(1)).status is CaseStatus.NEW

    view.fill({"What do you know about it?": "Not me: I was asleep."})
    assert (await view.submit()).ok
    await desk.settled()
    await eventually(lambda: len(pd.incidents) == 1, what="the on-call paged")

    case = await desk.running.deps.cases.get(1)
    assert case.status is CaseStatus.TRIAGE
    assert says(desk.cases()[0], "Triage")
    assert thread_says(desk, f"<@{alice.id}> denied CASE-1: Not me: I was asleep.")
    assert thread_says(desk, f"<@{alice.id}> moved CASE-1 to Triage")
    assert pd.incidents[0].service_id == DATABASE.external_id
    await eventually(lambda: "You denied CASE-1" in shown(slack.dms(alice.id)[0]), what="the answer shown")

    await slack.as_user(alice).click(as_asked, "Confirm")  # Deny again would be dropped as a double click
    await refused(slack, alice, "You answered already: you denied CASE-1.")
    await desk.settled()
    assert len(pd.incidents) == 1


async def test_deny_pages_nobody_unless_the_signal_says_so(
    engaging_desk: OpenDesk, slack: FakeSlack, pd: FakePagerDuty
) -> None:
    desk = await engaging_desk()
    alice = slack.add_user("alice")
    await fire(desk, alice.id)
    await deny(slack, alice, await prompt_of(slack, alice), "Not me.")
    await desk.settled()
    assert (await desk.running.deps.cases.get(1)).status is CaseStatus.TRIAGE
    assert pd.incidents == []


async def test_a_denial_reopens_a_case_someone_closed_meanwhile(
    engaging_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await engaging_desk()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await fire(desk, alice.id)
    prompt = await prompt_of(slack, alice)
    await slack.as_user(bob).click(desk.cases()[0], "Resolve")
    view = await slack.as_user(bob).wait_for_view(callback_id="case_resolve")
    assert (await view.fill({"Reason": "Benign", "Resolution": "Alice's job."}).submit()).ok
    await desk.settled()

    await deny(slack, alice, prompt, "Not my job.")
    await desk.settled()
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.resolution_reason, case.resolution) == (CaseStatus.TRIAGE, None, "")
    assert thread_says(desk, f"<@{alice.id}> re-opened CASE-1")


@pytest.mark.parametrize(
    ("user", "note"),
    [
        ("nobody@example.com", "could not reach nobody@example.com: not a Slack user"),
        ("U0NOSUCH1", "could not reach U0NOSUCH1: the message could not be sent (user_not_found)"),
        (None, "could not reach anyone: the alert names nobody as user"),
    ],
)
async def test_someone_who_cannot_be_reached_gets_a_note_in_the_thread(
    engaging_desk: OpenDesk, slack: FakeSlack, user: str | None, note: str
) -> None:
    desk = await engaging_desk()
    await fire(desk, user)
    await eventually(lambda: thread_says(desk, note), what="the note in the thread")
    assert not any("asked" in reply.text for reply in desk.thread())
    assert not [
        call for call in slack.calls_to("chat.postMessage") if call.args["channel"] != desk.channel.id
    ]


async def test_each_case_asks_once(engaging_desk: OpenDesk, slack: FakeSlack) -> None:
    desk = await engaging_desk()
    alice = slack.add_user("alice")
    await fire(desk, alice.id, "db1")
    await fire(desk, alice.id, "db2")  # joins CASE-1: nobody is asked again
    await prompt_of(slack, alice)
    assert len([reply for reply in desk.thread() if "asked" in reply.text]) == 1
    assert len(slack.dms(alice.id)) == 1
