"""Signals routed to `case` (issue 11, items 1 to 4's default de-duplication): alerts of a signal open
one case, a message in its channel edited in place; repeats and new alerts join it while it is open and
recent; people triage and resolve it from its buttons; an alert never joins a closed case."""

from __future__ import annotations

import asyncio

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.testing import FakeSlack
from tests.e2e.cases.support import WINDOW, OpenDesk, says, shown
from tests.support.waiting import eventually


async def test_alerts_of_a_signal_open_one_case_that_repeats_and_new_alerts_join(open_desk: OpenDesk) -> None:
    desk = await open_desk()
    assert [await desk.fire(key) for key in ("db1", "db2", "db3")] == ["created"] * 3
    assert await desk.fire("db1") == "updated"
    await desk.settled()

    (case,) = desk.cases()
    assert says(case, "CASE-1")
    assert says(case, "We observed 4 alerts.")
    assert case.text.startswith("CASE-1: Disk 95% on db1 (New)")
    payload = desk.thread()[0]
    assert says(payload, "First alert from")
    assert says(payload, "&quot;deduplication_key&quot;") is False
    assert '"deduplication_key": "db1"' in shown(payload)


async def test_a_burst_is_one_case_with_a_handful_of_edits(open_desk: OpenDesk, slack: FakeSlack) -> None:
    desk = await open_desk()
    actions = await asyncio.gather(*(desk.fire(f"host-{n}") for n in range(200)))
    assert set(actions) == {"created"}
    await desk.settled()

    (case,) = desk.cases()
    assert says(case, "We observed 200 alerts.")
    assert len(slack.calls_to("chat.postMessage")) == 2  # the case message and its payload reply
    assert len(slack.calls_to("chat.update")) <= 10


async def test_triage_then_resolve_closes_the_case_and_the_next_alert_opens_a_new_one(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice = slack.add_user("alice")
    await desk.fire("db1")
    await desk.settled()

    assert (await slack.as_user(alice).click(desk.cases()[0], "Triage")).ok
    await desk.settled()
    assert says(desk.cases()[0], "Triage")
    await slack.as_user(alice).click(desk.cases()[0], "Resolve")
    view = await slack.as_user(alice).wait_for_view(callback_id="case_resolve")
    view.fill({"Reason": "False Positive", "Resolution": "The disk <!channel> was cleaned up."})
    assert (await view.submit()).ok
    await desk.settled()

    closed = desk.cases()[0]
    assert says(closed, "Closed as False Positive")
    assert "<!channel>" not in shown(closed)
    lines = [reply.text for reply in desk.thread()[1:]]
    assert any("moved CASE-1 to Triage" in line for line in lines)
    assert any("closed CASE-1 as False Positive" in line for line in lines)
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.assignee, case.participants) == (CaseStatus.CLOSED, alice.id, (alice.id,))

    assert await desk.fire("db1") == "updated"  # still firing: counted on the alert, not the closed case
    assert await desk.fire("db2") == "created"
    await desk.settled()
    assert [says(message, "CASE-2") for message in desk.cases()] == [False, True]
    assert (await desk.running.deps.cases.get(1)).alert_count == 1


async def test_only_the_assignee_and_participants_may_resolve_or_reopen(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await desk.fire("db1")
    await desk.settled()
    await slack.as_user(alice).click(desk.cases()[0], "Triage")
    await desk.settled()

    await slack.as_user(bob).click(desk.cases()[0], "Resolve")
    await eventually(
        lambda: any("Only the assignee and participants" in e.text for e in slack.ephemerals(user=bob.id)),
        what="Bob's refusal to resolve",
    )
    case = await desk.running.deps.cases.get(1)
    assert case.status is CaseStatus.TRIAGE

    await slack.as_user(alice).click(desk.cases()[0], "Resolve")
    view = await slack.as_user(alice).wait_for_view(callback_id="case_resolve")
    view.fill({"Reason": "Benign", "Resolution": "Expected during the backfill."})
    assert (await view.submit()).ok
    await desk.settled()
    await slack.as_user(bob).click(desk.cases()[0], "Re-open")
    await eventually(
        lambda: len([e for e in slack.ephemerals(user=bob.id) if "Only the assignee" in e.text]) == 2,
        what="Bob's refusal to re-open",
    )
    await slack.as_user(alice).click(desk.cases()[0], "Re-open")
    await desk.settled()
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.resolution_reason) == (CaseStatus.TRIAGE, None)
    assert any("re-opened CASE-1" in reply.text for reply in desk.thread())


async def test_an_alert_after_the_window_opens_a_new_case(open_desk: OpenDesk) -> None:
    desk = await open_desk(dedup_window_seconds=WINDOW)
    await desk.fire("db1")
    desk.clock.advance(seconds=WINDOW - 1)
    await desk.fire("db2")  # within the window of the case's last alert: joins
    desk.clock.advance(seconds=WINDOW + 1)
    await desk.fire("db3")
    await desk.settled()
    assert [case.alert_count for case in [await desk.running.deps.cases.get(n) for n in (1, 2)]] == [2, 1]
    assert len(desk.cases()) == 2


async def test_a_stale_triage_button_is_answered_plainly(open_desk: OpenDesk, slack: FakeSlack) -> None:
    desk = await open_desk()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await desk.fire("db1")
    await desk.settled()
    as_bob_saw_it = desk.cases()[0]
    await slack.as_user(alice).click(as_bob_saw_it, "Triage")
    await slack.as_user(bob).click(as_bob_saw_it, "Triage")
    await eventually(
        lambda: any("CASE-1 is already triage" in e.text for e in slack.ephemerals(user=bob.id)),
        what="Bob's stale Triage answered",
    )
    assert (await desk.running.deps.cases.get(1)).participants == (alice.id,)
