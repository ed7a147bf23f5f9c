"""The ack loop, end to end: a page is followed until acknowledged (shown in the pinned header), escalated
once when nobody acknowledges within the priority's ack timeout, and resolved when the incident closes; a
role policy can make a service's on-call the commander and page them on a page_commander priority."""

from __future__ import annotations

from datetime import timedelta

from dispatchbot.app import Running
from dispatchbot.domain import Incident, Page, PageStatus
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.test_update_incident import update
from tests.support import oncall
from tests.support.incident_channel import header, text_of, timeline
from tests.support.incidents import report_incident
from tests.support.oncall import HIGH_ONCALL_COMMANDER, OLIVIA, StartPdBot, engage, pages, poll
from tests.support.waiting import eventually

ESCALATING = "has not acknowledged the page via *Database*"

# fixtures
pd, olivia = oncall.pd, oncall.olivia
start_pd_bot, pd_bot, commander_bot = oncall.start_pd_bot, oncall.pd_bot, oncall.commander_bot


async def paged(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> tuple[Incident, Channel, Page]:
    """An incident (priority Medium: 15 minutes to acknowledge) whose Database on-call was paged."""
    incident, channel = await report_incident(bot, slack, alice, general)
    await engage(bot, slack.as_user(alice), channel, page=True)
    [page] = await pages(bot, incident)
    return incident, channel, page


def escalations(slack: FakeSlack, channel: Channel) -> list[str]:
    return [message.text for message in slack.messages(channel.id) if ESCALATING in message.text]


async def test_an_acknowledged_page_shows_in_the_header(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel, page = await paged(pd_bot, slack, alice, general)
    await poll(pd_bot, page.paged_at + timedelta(minutes=1))
    assert (await pages(pd_bot, incident))[0].status is PageStatus.TRIGGERED

    pd.acknowledge(pd.incidents[0].id, OLIVIA[0])
    await poll(pd_bot, page.paged_at + timedelta(minutes=2))

    [page] = await pages(pd_bot, incident)
    assert page.status is PageStatus.ACKNOWLEDGED
    assert page.acknowledged_by == OLIVIA[0]
    assert page.acknowledged_at is not None
    shown = text_of(header(slack, channel))
    assert f"Paged <@{olivia.id}> via *Database*" in shown
    assert "acknowledged at" in shown
    assert f"<@{olivia.id}> acknowledged the page via Database" in await timeline(pd_bot, incident)

    await poll(pd_bot, page.paged_at + timedelta(hours=1))  # acknowledged: never escalated
    assert pd.incidents[0].escalation_level == 1
    assert escalations(slack, channel) == []


async def test_no_ack_within_the_timeout_escalates_once(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel, page = await paged(pd_bot, slack, alice, general)
    await poll(pd_bot, page.paged_at + timedelta(minutes=14))
    assert escalations(slack, channel) == []
    assert pd.incidents[0].escalation_level == 1

    late = page.paged_at + timedelta(minutes=16)
    await poll(pd_bot, late)
    await poll(pd_bot, late + timedelta(minutes=1))  # the next tick (or another replica) does not again

    [told] = escalations(slack, channel)
    assert f"<@{olivia.id}> has not acknowledged the page via *Database* for 16 minutes" in told
    assert pd.incidents[0].escalation_level == 2
    assert pd.incidents[0].assignee_email == "bruno@example.com"
    [page] = await pages(pd_bot, incident)
    assert page.status is PageStatus.ESCALATED
    assert "escalated at" in text_of(header(slack, channel))
    events = await timeline(pd_bot, incident)
    assert events.count("The page via Database was not acknowledged within 15 minutes and was escalated") == 1

    pd.acknowledge(pd.incidents[0].id, "bruno@example.com")  # the next level acknowledges
    await poll(pd_bot, late + timedelta(minutes=2))
    assert (await pages(pd_bot, incident))[0].status is PageStatus.ACKNOWLEDGED


async def test_pagerduty_down_while_polling_delays_the_escalation(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel, page = await paged(pd_bot, slack, alice, general)
    pd.down()
    await poll(pd_bot, page.paged_at + timedelta(minutes=20))
    assert (await pages(pd_bot, incident))[0].status is PageStatus.TRIGGERED
    assert escalations(slack, channel) == []

    pd.up()
    await poll(pd_bot, page.paged_at + timedelta(minutes=21))
    assert (await pages(pd_bot, incident))[0].status is PageStatus.ESCALATED
    assert len(escalations(slack, channel)) == 1
    assert pd.incidents[0].escalation_level == 2


async def test_closing_the_incident_resolves_its_pages(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel, page = await paged(pd_bot, slack, alice, general)
    await update(pd_bot, slack.as_user(alice), channel, Status="Closed")

    assert pd.incidents[0].status == "resolved"
    [page] = await pages(pd_bot, incident)
    assert page.status is PageStatus.RESOLVED
    assert "The page via Database was resolved: the incident was closed" in await timeline(pd_bot, incident)
    await poll(pd_bot, page.paged_at + timedelta(hours=1))  # nothing left to follow
    assert escalations(slack, channel) == []


async def test_a_resolve_that_fails_at_close_is_retried_by_the_loop(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel, page = await paged(pd_bot, slack, alice, general)
    pd.down()
    await update(pd_bot, slack.as_user(alice), channel, Status="Closed")  # the close itself goes through
    assert pd.incidents[0].status == "triggered"

    pd.up()
    await poll(pd_bot, page.paged_at + timedelta(minutes=1))
    assert pd.incidents[0].status == "resolved"
    assert (await pages(pd_bot, incident))[0].status is PageStatus.RESOLVED


async def test_an_oncall_commander_policy_makes_them_commander_and_pages_them(
    start_pd_bot: StartPdBot, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    bot = await start_pd_bot(role_policies=[HIGH_ONCALL_COMMANDER])

    incident, channel = await report_incident(bot, slack, alice, general, Priority="High")

    assert incident.commander_id == olivia.id
    commander = await bot.deps.participants.get(incident.id, olivia.id)
    assert commander is not None
    assert commander.added_reason == "Incident Commander: on call for Database"
    assert olivia.id in channel.members
    await eventually(lambda: len(pd.incidents) == 1, what="the page (a run of its own)")
    [pd_incident] = pd.incidents
    assert pd_incident.incident_key == f"dispatchbot-{incident.reference}-commander"
    await eventually(lambda: f"Paged <@{olivia.id}>" in text_of(header(slack, channel)), what="the header")
    [page] = await pages(bot, incident)
    assert page.target_user_id == olivia.id
    assert f"Paged <@{olivia.id}> via *Database*" in text_of(header(slack, channel))

    medium, _channel = await report_incident(bot, slack, alice, general, Title="Slow")
    assert medium.commander_id == alice.id  # the policy is for High only
    assert len(pd.incidents) == 1


async def test_an_oncall_commander_is_not_paged_on_a_priority_that_does_not_say_so(
    commander_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, _channel = await report_incident(commander_bot, slack, alice, general, Priority="Low")
    assert incident.commander_id == olivia.id
    assert pd.incidents == []


async def test_oncall_provider_down_at_creation_keeps_the_reporter_as_commander(
    commander_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    pd.down()

    incident, channel = await report_incident(commander_bot, slack, alice, general, Priority="High")

    assert incident.commander_id == alice.id
    assert olivia.id not in channel.members
    assert pd.incidents == []
    assert await pages(commander_bot, incident) == []
