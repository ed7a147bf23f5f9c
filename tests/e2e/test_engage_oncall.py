"""Engaging on-call in Slack, end to end (`/dispatch-engage-oncall`): the on-call person of a service is
found at PagerDuty or Opsgenie, invited as an Observer, paged when asked (once, however often the request
arrives), and a provider that is down leaves the incident untouched with a clear answer."""

from __future__ import annotations

import asyncio

import pytest

from dispatchbot.app import Running
from dispatchbot.domain import Incident, Page, PageStatus, Role, RunStatus
from dispatchbot.flows.oncall import engage_oncall
from dispatchbot.flows.run_failures import REQUESTED_BY
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User, View
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.conftest import StartBot
from tests.support import oncall
from tests.support.incidents import report_incident
from tests.support.oncall import BRUNO, OLIVIA, add_person, start_oncall_bot

COMMAND = "/dispatch-engage-oncall"

pd, olivia, pd_bot = oncall.pd, oncall.olivia, oncall.pd_bot  # fixtures, shared with test_pages.py


@pytest.fixture
def bruno(slack: FakeSlack) -> User:
    return add_person(slack, BRUNO)


async def finished(bot: Running, key: str, kind: str = "engage_oncall") -> None:
    for _ in range(500):
        run = await bot.deps.runs.get_by_key(kind, key)
        if run is not None and run.status is not RunStatus.RUNNING:
            assert run.status is RunStatus.SUCCEEDED, run.last_error
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the {kind} run did not finish")


async def engage(
    bot: Running, person: Person, channel: Channel, service: str = "Database", *, page: bool = False
) -> View:
    """Engage through the real modal and wait for the run; the modal then shows the outcome, and the
    person closes it."""
    ack = await person.slash_command(COMMAND, channel=channel.id)
    assert ack.ok
    assert not ack.payload, ack.payload
    view = await person.wait_for_view(callback_id="engage_oncall")
    view.fill({"Service": service, **({"Page": ["Page them"]} if page else {})})
    answer = await view.submit()
    assert answer.payload is not None
    assert answer.payload.get("response_action") == "update", answer.payload
    await finished(bot, f"view:{view.id}")
    await view.close()
    return view


def shown(view: View) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in view.blocks)


def header(slack: FakeSlack, channel: Channel) -> Message:
    [pinned] = [message for message in slack.messages(channel.id) if message.pinned]
    return pinned


def text_of(message: Message) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in message.blocks)


async def timeline(bot: Running, incident: Incident) -> list[str]:
    return [event.description for event in await bot.deps.incidents.timeline(incident.id)]


async def pages(bot: Running, incident: Incident) -> list[Page]:
    return await bot.deps.oncall.pages(incident.id)


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
    person = slack.as_user(alice)
    await person.slash_command(COMMAND, channel=channel.id)
    view = await person.wait_for_view(callback_id="engage_oncall")
    assert view.input_labels() == ["Service", "Page"]
    [select] = [b for b in view.blocks if b.get("block_id") == "service"]
    assert [o["text"]["text"] for o in select["element"]["options"]] == ["Database — Postgres and the caches"]


async def test_engage_and_page_pages_once_however_often_it_arrives(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    incident, channel = await report_incident(pd_bot, slack, alice, general)
    person = slack.as_user(alice)
    await person.slash_command(COMMAND, channel=channel.id)
    view = await person.wait_for_view(callback_id="engage_oncall")
    view.fill({"Service": "Database", "Page": ["Page them"]})
    first = await view.submit()
    await slack.socket.redeliver(first)  # Slack did not see the ack in time
    await finished(pd_bot, f"view:{view.id}")
    assert f"<@{olivia.id}> is on call for *Database* and was invited and paged." in shown(view)
    # The same request run again from scratch (as after losing its run): the page is found, not sent.
    again = await pd_bot.deps.runs.start(
        engage_oncall.ENGAGE_ONCALL,
        key="replay",
        args={
            "incident_id": incident.id,
            "service": "Database",
            "page": True,
            "view_id": view.id,
            REQUESTED_BY: alice.id,
        },
    )
    await finished(pd_bot, again.key)

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
    ack = await slack.as_user(alice).slash_command(COMMAND, channel=channel.id)
    assert ack.payload is not None
    assert "No on-call services are configured" in ack.payload["text"]
    assert "[[services]]" in ack.payload["text"]


async def test_only_participants_may_engage_and_only_in_an_incident_channel(
    pd_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel
) -> None:
    _incident, channel = await report_incident(pd_bot, slack, alice, general)
    ack = await slack.as_user(alice).slash_command(COMMAND, channel=general.id)
    assert ack.payload is not None
    assert "works only in an incident channel" in ack.payload["text"]

    mallory = slack.add_user("mallory", email="mallory@example.com")
    ack = await slack.as_user(mallory).slash_command(COMMAND, channel=channel.id)
    assert ack.payload is not None
    assert "Only people taking part in INC-1 can engage on-call" in ack.payload["text"]
    assert pd.requests == []


async def test_opsgenie_engage_page_and_acknowledge(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel, olivia: User
) -> None:
    async with FakeOpsgenie() as og:
        og.add_schedule("payments-primary", oncall=[OLIVIA[0], BRUNO[0]])
        bot = await start_oncall_bot(slack, database_url, start_bot, og=og)
        incident, channel = await report_incident(bot, slack, alice, general)

        view = await engage(bot, slack.as_user(alice), channel, "Payments", page=True)

        assert f"<@{olivia.id}> is on call for *Payments* and was invited and paged." in shown(view)
        [alert] = og.alerts
        assert alert.alias == f"dispatchbot-{incident.reference}-Payments-{view.id}"
        [page] = await pages(bot, incident)
        assert page.provider == "opsgenie"

        og.acknowledge(alert.alias, OLIVIA[0])
        job = next(job for job in bot.scheduler.jobs if job.name == "poll_pages")
        await job.tick(bot.deps.clock.now())

        [page] = await pages(bot, incident)
        assert page.status is PageStatus.ACKNOWLEDGED
        assert "acknowledged at" in text_of(header(slack, channel))
        assert f"<@{olivia.id}> acknowledged the page via Payments" in await timeline(bot, incident)


async def test_opsgenie_down_leaves_the_incident_untouched(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel, olivia: User
) -> None:
    async with FakeOpsgenie() as og:
        og.add_schedule("payments-primary", oncall=[OLIVIA[0]])
        bot = await start_oncall_bot(slack, database_url, start_bot, og=og)
        incident, channel = await report_incident(bot, slack, alice, general)
        before = await timeline(bot, incident)
        og.down()

        view = await engage(bot, slack.as_user(alice), channel, "Payments", page=True)

        assert "Opsgenie did not answer:" in shown(view)
        assert "Nothing was changed." in shown(view)
        assert await bot.deps.participants.get(incident.id, olivia.id) is None
        assert await timeline(bot, incident) == before
        assert og.alerts == []
