"""De-duplication on shared entities (issue 11 item 4): with `dedup_entities`, an alert joins the open
case whose alerts carried one of its entity values within the window (the oldest such case), else it
opens its own; never a closed case."""

from __future__ import annotations

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.testing import FakeSlack
from tests.e2e.cases.support import OpenDesk, says

BY_HOST = {"entities": {"host": "labels.instance"}, "dedup_entities": ["host"], "dedup_window_seconds": 600}


async def test_alerts_of_one_host_share_a_case_and_other_hosts_get_their_own(open_desk: OpenDesk) -> None:
    desk = await open_desk(**BY_HOST)
    assert await desk.fire("disk-db1", instance="db1") == "created"
    assert await desk.fire("disk-db2", instance="db2") == "created"
    assert await desk.fire("memory-db1", instance="db1") == "created"
    await desk.settled()

    cases = desk.running.deps.cases
    assert [(await cases.get(n)).alert_count for n in (1, 2)] == [2, 1]
    assert len(desk.cases()) == 2
    assert says(desk.case(1), "We observed 2 alerts.")


async def test_a_host_quiet_for_longer_than_the_window_opens_a_new_case(open_desk: OpenDesk) -> None:
    desk = await open_desk(**BY_HOST)
    await desk.fire("disk-db1", instance="db1")
    desk.clock.advance(seconds=599)
    await desk.fire("memory-db1", instance="db1")  # within 600 s of the host's last alert: joins
    desk.clock.advance(seconds=601)
    await desk.fire("cpu-db1", instance="db1")
    await desk.settled()
    cases = desk.running.deps.cases
    assert [(await cases.get(n)).alert_count for n in (1, 2)] == [2, 1]


async def test_a_closed_case_is_never_joined(open_desk: OpenDesk, slack: FakeSlack) -> None:
    desk = await open_desk(**BY_HOST)
    alice = slack.add_user("alice")
    await desk.fire("disk-db1", instance="db1")
    await desk.settled()
    await slack.as_user(alice).click(desk.cases()[0], "Triage")
    await slack.as_user(alice).click(desk.cases()[0], "Resolve")
    view = await slack.as_user(alice).wait_for_view(callback_id="case_resolve")
    view.fill({"Reason": "Mitigated", "Resolution": "Cleaned up."})
    assert (await view.submit()).ok

    await desk.fire("memory-db1", instance="db1")
    await desk.settled()
    cases = desk.running.deps.cases
    assert (await cases.get(1)).status is CaseStatus.CLOSED
    assert (await cases.get(2)).alert_count == 1
