"""Engaging on-call in Slack, end to end (`/dispatch-engage-oncall`): the on-call person of a service is
found at PagerDuty or Opsgenie, invited as an Observer, paged when asked (once, however often the request
arrives), and a provider that is down leaves the incident untouched with a clear answer."""

from __future__ import annotations

import pytest

from dispatchbot.app import Running
from dispatchbot.domain import PageStatus, Role
from dispatchbot.flows.oncall import engage_oncall
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.support import oncall
from tests.support.forms import open_form
from tests.support.incident_channel import header, text_of, timeline
from tests.support.incidents import report_incident
from tests.support.oncall import BRUNO, ENGAGE, ENGAGE_FORM, OLIVIA, add_person, engage, pages, poll, shown
from tests.support.runs import finished

# fixtures
pd, og, olivia = oncall.pd, oncall.og, oncall.olivia
start_pd_bot, pd_bot, og_bot = oncall.start_pd_bot, oncall.pd_bot, oncall.og_bot


@pytest.fixture
def bruno(slack: FakeSlack) -> User:
    return add_person(slack, BRUNO)


async def test_engaging_invites_the_oncall_person_as_an_observer(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)

    view = await engage(pd_bot, slack.as_user(alice), channel)

    assert f"<@{olivia.id}> is on call for *Database* and was invited." in shown(view)
    assert olivia.id in slack.workspace.channels[channel.id].members
    participant = await pd_bot.deps.participants.get(incident.id, olivia.id)
    assert participant is not None
    assert participant.roles == {Role.OBSERVER}
    assert participant.added_reason == "Engaged through Database on-call"
    assert participant.added_by == alice.id
    assert f"<@{olivia.id}> engaged through Database" in await timeline(pd_bot, incident)
    assert pd.incidents == []  # not asked to page
    assert await pages(pd_bot, incident) == []


async def test_the_modal_lists_services_with_their_descriptions(
    pd_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(pd_bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, ENGAGE, ENGAGE_FORM)
    assert view.input_labels() == ["Service", "Page"]
    [select] = [b for b in view.blocks if b.get("block_id") == "service"]
    assert [o["text"]["text"] for o in select["element"]["options"]] == ["Database — Postgres and the caches"]


async def test_engage_and_page_pages_once_however_often_it_arrives(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)
    view = await open_form(slack.as_user(alice), channel, ENGAGE, ENGAGE_FORM)
    view.fill({"Service": "Database", "Page": ["Page them"]})
    first = await view.submit()
    await slack.socket.redeliver(first)  # Slack did not see the ack in time
    await finished(pd_bot, "engage_oncall", f"view:{view.id}")
    assert f"<@{olivia.id}> is on call for *Database* and was invited and paged." in shown(view)
    # The same request run again from scratch (as after losing its run): the page is found, not sent.
    again = await pd_bot.deps.runs.start(
        engage_oncall.ENGAGE_ONCALL,
        key="replay",
        args=engage_oncall.EngageArgs(
            incident_id=incident.id, service="Database", page=True, view_id=view.id, requested_by=alice.id
        ),
    )
    await finished(pd_bot, "engage_oncall", again.key)

    [pd_incident] = pd.incidents
    dedup_key = f"dispatchbot-{incident.reference}-Database-{view.id}"
    assert pd_incident.incident_key == dedup_key
    assert pd_incident.title == f"{incident.reference}: DB latency"
    assert pd_incident.assignee_email == OLIVIA[0]
    [page] = await pages(pd_bot, incident)
    assert (page.status, page.target_user_id, page.external_id) == (
        PageStatus.TRIGGERED,
        olivia.id,
        pd_incident.id,
    )
    assert f"Paged <@{olivia.id}> via *Database*" in text_of(header(slack, channel))
    assert "waiting for acknowledgement" in text_of(header(slack, channel))
    events = await timeline(pd_bot, incident)
    assert events.count(f"Paged <@{olivia.id}> via Database") == 1
    assert events.count(f"<@{olivia.id}> engaged through Database") == 1
    # The adapter de-duplicates too: the same key at PagerDuty answers with the first page.
    adapter = pd_bot.deps.providers.oncall["pagerduty"]
    assert await adapter.page("PSVC1", dedup_key=dedup_key, title="again", description="") == pd_incident.id
    assert len(pd.incidents) == 1


async def test_engaging_a_service_twice_engages_it_once(
    pd_bot: Running,
    slack: FakeSlack,
    pd: FakePagerDuty,
    alice: User,
    general: Channel,
    olivia: User,
    bruno: User,
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)
    await engage(pd_bot, slack.as_user(alice), channel)
    pd.set_oncall("PSVC1", *BRUNO)  # the shift changed meanwhile

    view = await engage(pd_bot, slack.as_user(alice), channel, page=True)

    assert f"<@{olivia.id}> is already engaged through *Database*" in shown(view)
    assert f"<@{bruno.id}> was paged." in shown(view)
    assert await pd_bot.deps.participants.get(incident.id, bruno.id) is None
    assert bruno.id not in slack.workspace.channels[channel.id].members
    events = await timeline(pd_bot, incident)
    assert [e for e in events if "engaged through" in e] == [f"<@{olivia.id}> engaged through Database"]
    [pd_incident] = pd.incidents  # asked to page, so it paged
    assert pd_incident.assignee_email == BRUNO[0]


async def test_pagerduty_down_leaves_the_incident_untouched(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)
    before = await timeline(pd_bot, incident)
    pd.down()

    view = await engage(pd_bot, slack.as_user(alice), channel, page=True)

    assert "PagerDuty did not answer:" in shown(view)
    assert "Nothing was changed." in shown(view)
    assert await pd_bot.deps.participants.get(incident.id, olivia.id) is None
    assert olivia.id not in slack.workspace.channels[channel.id].members
    assert await timeline(pd_bot, incident) == before
    assert await pages(pd_bot, incident) == []

    pd.up()  # and once it is back, the same command works
    view = await engage(pd_bot, slack.as_user(alice), channel)
    assert "is on call for *Database*" in shown(view)


async def test_an_oncall_person_unknown_to_slack_is_named(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)  # nobody has olivia's email
    view = await engage(pd_bot, slack.as_user(alice), channel, page=True)
    assert "olivia@example.com is on call for *Database*, but nobody in this Slack workspace" in shown(view)
    assert pd.incidents == []
    assert len(await pd_bot.deps.participants.members(incident.id)) == 1


async def test_no_services_configured_says_how_to_add_them(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(bot, slack, alice, general)
    ack = await slack.as_user(alice).slash_command(ENGAGE, channel=channel.id)
    assert ack.payload is not None
    assert "No on-call services are configured" in ack.payload["text"]
    assert "[[services]]" in ack.payload["text"]


async def test_only_participants_may_engage_and_only_in_an_incident_channel(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(pd_bot, slack, alice, general)
    ack = await slack.as_user(alice).slash_command(ENGAGE, channel=general.id)
    assert ack.payload is not None
    assert "works only in an incident channel" in ack.payload["text"]

    mallory = slack.add_user("mallory", email="mallory@example.com")
    ack = await slack.as_user(mallory).slash_command(ENGAGE, channel=channel.id)
    assert ack.payload is not None
    assert "Only people taking part in INC-1 can engage on-call" in ack.payload["text"]
    assert pd.requests == []


async def test_opsgenie_engage_page_and_acknowledge(
    og_bot: Running, slack: FakeSlack, og: FakeOpsgenie, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(og_bot, slack, alice, general)

    view = await engage(og_bot, slack.as_user(alice), channel, "Payments", page=True)

    assert f"<@{olivia.id}> is on call for *Payments* and was invited and paged." in shown(view)
    [alert] = og.alerts
    assert alert.alias == f"dispatchbot-{incident.reference}-Payments-{view.id}"
    [page] = await pages(og_bot, incident)
    assert page.provider == "opsgenie"

    og.acknowledge(alert.alias, OLIVIA[0])
    await poll(og_bot, og_bot.deps.clock.now())

    [page] = await pages(og_bot, incident)
    assert page.status is PageStatus.ACKNOWLEDGED
    assert "acknowledged at" in text_of(header(slack, channel))
    assert f"<@{olivia.id}> acknowledged the page via Payments" in await timeline(og_bot, incident)


async def test_opsgenie_down_leaves_the_incident_untouched(
    og_bot: Running, slack: FakeSlack, og: FakeOpsgenie, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(og_bot, slack, alice, general)
    before = await timeline(og_bot, incident)
    og.down()

    view = await engage(og_bot, slack.as_user(alice), channel, "Payments", page=True)

    assert "Opsgenie did not answer:" in shown(view)
    assert "Nothing was changed." in shown(view)
    assert await og_bot.deps.participants.get(incident.id, olivia.id) is None
    assert await timeline(og_bot, incident) == before
    assert og.alerts == []
