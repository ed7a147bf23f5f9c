"""Snoozing a signal from its case (issue 11 item 4): for the chosen while, new alerts of the signal
(all, or those whose entities match) are stored and counted, never announced; the snooze is said in
the case's thread when made and when it ends; a snooze never stops de-duplication."""

from __future__ import annotations

from dispatchbot.alerting.model import Action
from dispatchbot.testing import FakeSlack, User
from tests.e2e.cases.support import Desk, OpenDesk, shown
from tests.support.waiting import eventually

ENTITIES = {"host": "labels.instance"}
NARROW = "Only alerts where (none: all of them)"


async def snooze(desk: Desk, slack: FakeSlack, user: User, for_: str, *only: str) -> None:
    await slack.as_user(user).click(desk.cases()[0], action_id="case_open_snooze")
    view = await slack.as_user(user).wait_for_view(callback_id="signal_snooze")
    view.fill({"For": for_, **({NARROW: list(only)} if only else {})})
    assert (await view.submit()).ok
    await desk.settled()
    desk.clock.advance(seconds=2)  # the intake reads the snoozes at most once a second


async def end_snoozes(desk: Desk) -> None:
    job = next(job for job in desk.running.scheduler.jobs if job.name == "end_snoozes")
    assert await desk.running.scheduler.run(job)
    await desk.settled()


async def test_a_snooze_of_the_whole_signal_keeps_new_alerts_quiet_until_it_ends(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk(entities=ENTITIES, dedup_window_seconds=86400)  # the case outlasts the snooze
    alice = slack.add_user("alice")
    await desk.fire("db1")
    await desk.settled()
    await snooze(desk, slack, alice, "1 hour")
    assert any("snoozed" in reply.text and "Disk full until" in reply.text for reply in desk.thread())

    assert await desk.fire("db2") == Action.SNOOZED.value
    assert await desk.fire("db2") == Action.SNOOZED.value  # a repeat of a snoozed alert stays quiet
    await desk.settled()
    assert (await desk.running.deps.cases.get(1)).alert_count == 1
    assert len(desk.cases()) == 1

    desk.clock.advance(hours=1, seconds=1)
    await end_snoozes(desk)
    assert any("snooze ended" in reply.text and "2 kept quiet" in reply.text for reply in desk.thread())
    assert await desk.fire("db3") == Action.CREATED.value  # announced again: joins the case
    assert await desk.fire("db2") == Action.UPDATED.value  # the quiet one wakes up and joins too
    await desk.settled()
    assert (await desk.running.deps.cases.get(1)).alert_count == 3
    assert "We observed 3 alerts." in shown(desk.cases()[0])


async def test_a_snooze_narrowed_to_an_entity_lets_the_others_through(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk(entities=ENTITIES)
    alice = slack.add_user("alice")
    await desk.fire("disk-db1", instance="db1")
    await desk.settled()
    await snooze(desk, slack, alice, "3 hours", "host = db1")

    assert await desk.fire("memory-db1", instance="db1") == Action.SNOOZED.value
    assert await desk.fire("disk-db9", instance="db9") == Action.CREATED.value
    assert await desk.fire("disk-db1", instance="db1") == Action.UPDATED.value  # open before: still counted
    await desk.settled()
    assert (await desk.running.deps.cases.get(1)).alert_count == 3


async def test_a_restricted_case_is_only_for_its_people_once_someone_owns_it(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    restricted = [{"name": "Security triage", "visibility": "restricted"}]
    desk = await open_desk(entities=ENTITIES, case_types=restricted)
    alice, mallory = slack.add_user("alice"), slack.add_user("mallory")
    await desk.fire("db1")
    await desk.settled()
    assert (await slack.as_user(alice).click(desk.cases()[0], "Triage")).ok  # unowned: anyone may take it
    await desk.settled()

    await slack.as_user(mallory).click(desk.cases()[0], action_id="case_open_snooze")
    await slack.as_user(mallory).click(desk.cases()[0], "Resolve")
    await eventually(
        lambda: len([e for e in slack.ephemerals(user=mallory.id) if "not visible to you" in e.text]) == 2,
        what="Mallory's refusals",
    )
    case = await desk.running.deps.cases.get(1)
    assert case.participants == (alice.id,)
