"""Escalating a case to an incident (issue 11 item 7), end to end: the Escalate button and the command open
the report form prefilled from the case; its submission makes one incident however often it is sent,
with the case's people in its channel and the case's timeline in its own; the case shows Escalated with
a Join incident button; a second escalation and someone who may not are refused plainly."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.storage.cases import CaseRepository
from dispatchbot.storage.tables import IncidentRow, TimelineEventRow
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.alerts.support import alert_settings
from tests.e2e.cases.support import START, TRIAGE, Desk, shown
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

COMMAND = "/dispatch-escalate-case"
FORM = "report_incident"


@pytest.fixture
async def desk(slack: FakeSlack, database_url: str) -> AsyncIterator[Desk]:
    """#triage's `Disk full` cases are of type Storage (escalated as Database incidents), priority High."""
    async with contextlib.AsyncExitStack() as stack:
        channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
        signal = {
            "name": "Disk full",
            "route": "case",
            "channel": f"#{TRIAGE}",
            "case_type": "Storage",
            "case_priority": "High",
        }
        settings = alert_settings(
            slack,
            database_url,
            signals=[signal],
            case_types=[{"name": "Storage", "incident_type": "Database"}],
            incident_types=[{"name": "Default"}, {"name": "Database"}],
        )
        clock = ManualClock(START)
        running = await stack.enter_async_context(running_bot(slack, settings, clock))
        yield Desk(running, slack, channel, clock)


async def triaged_with(desk: Desk, assignee: User, *others: User) -> None:
    """Case 1, triaged by `assignee`, `others` among its participants (as a later Join case would)."""
    await desk.fire("db1")
    await desk.settled()
    assert (await desk.slack.as_user(assignee).click(desk.cases()[0], "Triage")).ok
    async with desk.running.deps.database.sessions.begin() as session:
        await CaseRepository(session).change(1, participants=[assignee.id, *(o.id for o in others)])
    await desk.settled()


def incident_channels(slack: FakeSlack) -> list[Channel]:
    return [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]


async def incident_count(desk: Desk) -> int:
    async with desk.running.deps.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


async def copied_timeline(desk: Desk) -> list[str]:
    async with desk.running.deps.database.sessions() as session:
        rows = await session.scalars(
            select(TimelineEventRow)
            .where(TimelineEventRow.kind == "case_event")
            .order_by(TimelineEventRow.id)
        )
        return [row.description for row in rows]


async def escalated(desk: Desk) -> Channel:
    """Once the case is linked to its incident and its message and thread show it: the channel."""

    async def linked() -> bool:
        return (await desk.running.deps.cases.get(1)).status is CaseStatus.ESCALATED

    await eventually(linked, what="the case escalated")
    await desk.settled()
    (channel,) = incident_channels(desk.slack)
    return channel


def refused(slack: FakeSlack, user: User, text: str) -> bool:
    return any(text in e.text for e in slack.ephemerals(user=user.id))


async def test_escalate_opens_the_form_prefilled_and_the_incident_takes_over_the_case(
    desk: Desk, slack: FakeSlack
) -> None:
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await triaged_with(desk, alice, bob)
    person = slack.as_user(bob)

    assert (await person.click(desk.cases()[0], "Escalate")).ok
    view = await person.wait_for_view(callback_id=FORM)
    values = view.values
    assert values["title"]["title"]["value"] == "Disk 95% on db1"
    description = str(values["description"]["description"]["value"])
    assert description.startswith("sample ")
    assert description.endswith("\n\nEscalated from CASE-1")
    assert values["incident_type"]["incident_type"]["selected_option"]["value"] == "Database"
    assert values["priority"]["priority"]["selected_option"]["value"] == "High"
    first = await view.submit()
    assert (first.payload or {}).get("response_action") == "update"
    await slack.socket.redeliver(first)  # a redelivered submission joins the first run

    channel = await escalated(desk)
    assert {alice.id, bob.id} <= set(channel.members)
    incident = await desk.running.deps.incidents.get(1)
    assert (incident.reporter_id, incident.commander_id) == (bob.id, alice.id)  # the assignee leads
    assert (incident.incident_type, incident.priority) == ("Database", "High")
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.incident_id) == (CaseStatus.ESCALATED, 1)

    message = desk.cases()[0]
    assert f"Escalated to <#{channel.id}>." in shown(message)
    assert "Escalate" not in [b["text"]["text"] for b in message.blocks[-1].get("elements", [])]
    assert (await slack.as_user(bob).click(message, "Join incident")).ok
    assert any(reply.text.endswith("escalated CASE-1 to INC-1") for reply in desk.thread())

    copied = await copied_timeline(desk)
    assert [line.split(": ", 1)[0] for line in copied] == ["From CASE-1"] * 3
    assert "opened CASE-1" in copied[0]
    assert "moved CASE-1 to Triage" in copied[1]
    assert copied[2].endswith("escalated CASE-1 to INC-1")
    assert await incident_count(desk) == 1


async def test_two_forms_for_one_case_make_one_incident_and_later_escalations_are_refused(
    desk: Desk, slack: FakeSlack
) -> None:
    alice, bob, carol = slack.add_user("alice"), slack.add_user("bob"), slack.add_user("carol")
    await triaged_with(desk, alice, bob, carol)
    as_they_saw_it = copy.deepcopy(desk.cases()[0])  # the workspace edits its messages in place
    forms = []
    for user in (alice, bob):  # both click before either submits
        await slack.as_user(user).click(as_they_saw_it, "Escalate")
        forms.append(await slack.as_user(user).wait_for_view(callback_id=FORM))

    first = await forms[0].submit()
    assert (first.payload or {}).get("response_action") == "update"
    second = await forms[1].submit()
    assert second.payload == {
        "response_action": "errors",
        "errors": {"title": "CASE-1 is being escalated already."},
    }
    await escalated(desk)
    assert await incident_count(desk) == 1
    assert len(slack.calls_to("conversations.create")) == 1

    assert (await slack.as_user(carol).click(as_they_saw_it, "Escalate")).ok
    await eventually(
        lambda: refused(slack, carol, "CASE-1 is already escalated to INC-1."),
        what="the stale button answered",
    )
    ack = await slack.as_user(alice).slash_command(COMMAND, "CASE-1", channel=desk.channel.id)
    assert "CASE-1 is already escalated to INC-1." in (ack.payload or {}).get("text", "")
    assert await incident_count(desk) == 1


async def test_only_the_cases_people_may_escalate_it_and_anyone_an_unowned_one(
    desk: Desk, slack: FakeSlack
) -> None:
    alice, carol = slack.add_user("alice"), slack.add_user("carol")
    await desk.fire("db1")
    await desk.settled()
    ack = await slack.as_user(carol).slash_command(COMMAND, "case-1", channel=desk.channel.id)
    assert ack.ok  # nobody owns it yet: anyone who sees it may
    form = await slack.as_user(carol).wait_for_view(callback_id=FORM)
    assert form.values["title"]["title"]["value"] == "Disk 95% on db1"

    assert (await slack.as_user(alice).click(desk.cases()[0], "Triage")).ok
    await desk.settled()
    only = "Only the assignee and participants of CASE-1 can change it."
    late = await form.submit()  # the form opened before Alice took the case: checked again
    assert only in str(late.payload)
    await slack.as_user(carol).click(desk.cases()[0], "Escalate")
    await eventually(lambda: refused(slack, carol, only), what="Carol's refusal")
    ack = await slack.as_user(carol).slash_command(COMMAND, "CASE-1", channel=desk.channel.id)
    assert only in (ack.payload or {}).get("text", "")
    ack = await slack.as_user(carol).slash_command(COMMAND, "", channel=desk.channel.id)
    assert "Name the case to escalate, e.g. CASE-7" in (ack.payload or {}).get("text", "")
    assert await incident_count(desk) == 0
