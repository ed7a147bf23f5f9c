"""Rate limits and outages at PagerDuty, Opsgenie and Google, end to end: the real bot waits as long as
`Retry-After` asks within a call's deadline (3 s in these tests), and a page or document the provider
keeps refusing past it is said to be delayed in the channel, then made by its durable run once the
provider recovers — once, never dropped, and without holding up the incident channel."""

from __future__ import annotations

import time
from pathlib import Path

from dispatchbot.app import Running
from dispatchbot.config import RunsSettings
from dispatchbot.domain import DocumentKind, Incident, ResourceStatus
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.google import FOLDER_MIME_TYPE, FakeGoogle
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e import test_documents as documents
from tests.e2e.conftest import StartBot
from tests.e2e.test_tasks import button_texts
from tests.support import oncall
from tests.support.bot import FAST_RUNS
from tests.support.incident_channel import header, text_of
from tests.support.incidents import report_incident
from tests.support.oncall import (
    HIGH_ONCALL_COMMANDER,
    OLIVIA,
    StartPdBot,
    engage,
    pages,
    shown,
    start_oncall_bot,
)
from tests.support.runs import finished
from tests.support.waiting import eventually

# fixtures
pd, og, olivia = oncall.pd, oncall.og, oncall.olivia
start_pd_bot, commander_bot, og_bot = oncall.start_pd_bot, oncall.commander_bot, oncall.og_bot

PATIENT_RUNS = RunsSettings(**{**FAST_RUNS, "max_attempts": 10})
"""Enough attempts for a page run to outlast the provider's refusals in these tests."""
INCIDENTS = "/incidents"


def posts(pd: FakePagerDuty) -> int:
    return sum(1 for method, path in pd.requests if (method, path) == ("POST", INCIDENTS))


def said(slack: FakeSlack, channel: Channel, text: str) -> list[str]:
    return [message.text for message in slack.messages(channel.id) if text in message.text]


async def paged(bot: Running, incident: Incident) -> bool:
    return bool(await pages(bot, incident))


# ------------------------------------------------------------------ PagerDuty


async def test_a_page_pagerduty_rate_limits_once_goes_out_after_its_retry_after(
    start_pd_bot: StartPdBot, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    bot = await start_pd_bot(role_policies=[HIGH_ONCALL_COMMANDER], runs=PATIENT_RUNS)
    pd.rate_limit(times=1, retry_after=2, method="POST", path=INCIDENTS)
    started = time.monotonic()

    incident, channel = await report_incident(bot, slack, alice, general, Priority="High")

    assert incident.commander_id == olivia.id
    assert not await paged(bot, incident), "the channel was ready before PagerDuty took the page"
    await eventually(lambda: paged(bot, incident), what="the page")
    assert time.monotonic() - started >= 2.0
    [pd_incident] = pd.incidents
    assert pd_incident.incident_key == f"dispatchbot-{incident.reference}-commander"
    assert posts(pd) == 2
    await eventually(
        lambda: f"Paged <@{olivia.id}> via *Database*" in text_of(header(slack, channel)), what="the header"
    )
    assert said(slack, channel, "delayed") == []  # it went through within the call's deadline


async def test_a_page_rate_limited_past_the_deadline_is_said_delayed_and_sent_once_on_recovery(
    start_pd_bot: StartPdBot, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    bot = await start_pd_bot(role_policies=[HIGH_ONCALL_COMMANDER], runs=PATIENT_RUNS)
    pd.rate_limit(times=None, retry_after=2, method="POST", path=INCIDENTS)

    incident, channel = await report_incident(bot, slack, alice, general, Priority="High")

    delayed = f":hourglass: Paging <@{olivia.id}> via *Database* is delayed: PagerDuty is rate-limiting us;"
    await eventually(lambda: bool(said(slack, channel, delayed)), what="the delay notice")
    await eventually(lambda: posts(pd) >= 4, what="a second attempt of the page run")  # 2 POSTs per attempt
    assert pd.incidents == []

    pd.up()
    await eventually(lambda: paged(bot, incident), what="the page after PagerDuty recovered")
    [pd_incident] = pd.incidents
    assert pd_incident.assignee_email == OLIVIA[0]
    await eventually(
        lambda: f"Paged <@{olivia.id}> via *Database*" in text_of(header(slack, channel)), what="the header"
    )
    assert len(said(slack, channel, delayed)) == 1  # once, however many attempts it took
    key = f"dispatchbot-{incident.reference}-commander"
    await finished(bot, "page_oncall", key)
    run = await bot.deps.runs.get_by_key("page_oncall", key)
    assert run is not None
    assert run.attempts >= 2


async def test_a_page_that_keeps_failing_gives_up_in_the_channel_and_offers_a_retry(
    commander_bot: Running, slack: FakeSlack, pd: FakePagerDuty, alice: User, general: Channel, olivia: User
) -> None:
    """An outage (503, no Retry-After) outlasting the run's attempts (2 here): the channel hears it was
    delayed, then that the page did not go out; the reporter gets a Retry button, which pages once."""
    pd.down(method="POST", path=INCIDENTS)

    incident, channel = await report_incident(commander_bot, slack, alice, general, Priority="High")

    await eventually(
        lambda: bool(said(slack, channel, "PagerDuty is not answering right now; retrying.")), what="delay"
    )
    gave_up = f":warning: Could not page <@{olivia.id}> via *Database*: PagerDuty did not answer:"
    await eventually(lambda: bool(said(slack, channel, gave_up)), what="the channel told it gave up")
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="the reporter's Retry button")
    [notice] = slack.dms(alice.id)
    assert notice.text.startswith(":warning: *Paging the on-call* could not be finished. :warning: Could not")
    assert pd.incidents == []

    pd.up()
    await slack.as_user(alice).click(notice, "Retry")
    await eventually(lambda: paged(commander_bot, incident), what="the page after the retry")
    assert len(pd.incidents) == 1


# ------------------------------------------------------------------ Opsgenie, through engage


async def test_an_opsgenie_page_rate_limited_once_goes_out_with_the_engage(
    og_bot: Running, slack: FakeSlack, og: FakeOpsgenie, alice: User, general: Channel, olivia: User
) -> None:
    _incident, channel = await report_incident(og_bot, slack, alice, general)
    og.rate_limit(times=1, retry_after=1, method="POST", path="/v2/alerts")

    view = await engage(og_bot, slack.as_user(alice), channel, "Payments", page=True)

    assert f"<@{olivia.id}> is on call for *Payments* and was invited and paged." in shown(view)
    assert len(og.alerts) == 1


async def test_an_opsgenie_page_rate_limited_past_the_deadline_is_delayed_then_sent_once(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    og: FakeOpsgenie,
    alice: User,
    general: Channel,
    olivia: User,
) -> None:
    bot = await start_oncall_bot(slack, database_url, start_bot, og=og, runs=PATIENT_RUNS)
    incident, channel = await report_incident(bot, slack, alice, general)
    og.rate_limit(times=None, retry_after=2, method="POST", path="/v2/alerts")

    view = await engage(bot, slack.as_user(alice), channel, "Payments", page=True)

    answer = shown(view)
    assert f"<@{olivia.id}> is on call for *Payments* and was invited." in answer
    assert "The page is delayed: Opsgenie is rate-limiting us." in answer
    delayed = f"Paging <@{olivia.id}> via *Payments* is delayed: Opsgenie is rate-limiting us; retrying."
    await eventually(lambda: bool(said(slack, channel, delayed)), what="the delay notice")
    assert og.alerts == []

    og.up()
    await eventually(lambda: paged(bot, incident), what="the page after Opsgenie recovered")
    [alert] = og.alerts
    assert alert.alias == f"dispatchbot-{incident.reference}-Payments-{view.id}"
    assert alert.count == 1
    await eventually(
        lambda: f"Paged <@{olivia.id}> via *Payments*" in text_of(header(slack, channel)), what="header"
    )
    assert len(said(slack, channel, delayed)) == 1


# ------------------------------------------------------------------ Google


COPY = "/drive/v3/files/*/copy"


async def test_a_document_copy_rate_limited_once_is_made_after_its_retry_after(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel, tmp_path: Path
) -> None:
    async with documents.templated_google() as google:
        bot = await documents.start_with_google(slack, database_url, start_bot, google, tmp_path)
        google.rate_limit(times=1, retry_after=2, method="POST", path=COPY)
        started = time.monotonic()

        incident, channel = await report_incident(bot, slack, alice, general)

        assert time.monotonic() - started >= 2.0
        document = await documents.ready(bot, incident, DocumentKind.INCIDENT)
        assert said(slack, channel, "delayed") == []
        assert copies(google, incident) == [document.external_id]


async def test_a_document_rate_limited_past_the_deadline_is_made_later_by_itself(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel, tmp_path: Path
) -> None:
    async with documents.templated_google() as google:
        settings = documents.documents_settings(slack, database_url, google, tmp_path)
        bot = await start_bot(settings.model_copy(update={"runs": PATIENT_RUNS}))
        await slack.socket.wait_connected()
        google.rate_limit(times=None, retry_after=2, method="POST", path=COPY)

        incident, channel = await report_incident(bot, slack, alice, general)  # the incident is fine

        shown_header = documents.header(slack, channel)
        assert "Retry incident document" in button_texts(shown_header.blocks)  # the button stays
        delayed = ":hourglass: The incident document is delayed: Google is rate-limiting us; retrying."
        await eventually(lambda: bool(said(slack, channel, delayed)), what="the delay notice")
        assert copies(google, incident) == []

        google.up()  # nobody clicks Retry: the run started for it makes the document

        async def made() -> bool:
            found = (await documents.documents_of(bot, incident)).get(DocumentKind.INCIDENT)
            return found is not None and found.status is ResourceStatus.READY

        await eventually(made, what="the document after Google recovered")
        document = await documents.ready(bot, incident, DocumentKind.INCIDENT)
        assert copies(google, incident) == [document.external_id]
        linked = f"<{document.weblink}|Incident document>"
        await eventually(
            lambda: linked in documents.text_of(documents.header(slack, channel)), what="the header's link"
        )
        assert "Retry incident document" not in button_texts(documents.header(slack, channel).blocks)
        assert len(said(slack, channel, delayed)) == 1


def copies(google: FakeGoogle, incident: Incident) -> list[str]:
    """The incident's copied documents (in its folders)."""
    folders = [
        file.id
        for file in google.files.values()
        if file.mime_type == FOLDER_MIME_TYPE and file.name.startswith(incident.reference)
    ]
    return [file.id for file in google.files.values() if set(file.parents) & set(folders)]
