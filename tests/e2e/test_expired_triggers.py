"""A modal Slack refuses to open (the trigger expired: the bot was slow, or the event came late) is never
a silent nothing: the person is told in a DM to try again, and nothing was done. One helper opens every
modal (`flows/forms.py`); these go through it from commands of each half of the bot."""

from __future__ import annotations

from collections.abc import Awaitable

from dispatchbot.app import Running
from dispatchbot.flows.forms import NOT_OPENED
from dispatchbot.testing import Ack, Channel, FakeSlack, User
from tests.support.incidents import report_incident
from tests.support.waiting import eventually


async def refused_then_told(slack: FakeSlack, person: User, command: Awaitable[Ack]) -> None:
    """Make Slack refuse the next `views.open`, run `command`, and wait for the DM saying so."""
    slack.faults.error("views.open", "expired_trigger_id")
    before, views = len(slack.dms(person.id)), set(slack.views)
    assert (await command).ok
    await eventually(lambda: len(slack.dms(person.id)) > before, what="the DM about the form")
    assert slack.dms(person.id)[-1].text == NOT_OPENED
    assert set(slack.views) == views  # no modal opened


async def test_a_report_form_slack_refused_is_said_and_nothing_is_reported(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    report = slack.as_user(alice).slash_command("/dispatch-report-incident", channel=general.id)
    await refused_then_told(slack, alice, report)
    assert await bot.deps.incidents.visible_to(alice.id, 5) == []


async def test_an_update_form_slack_refused_in_an_incident_channel_is_said(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _, channel = await report_incident(bot, slack, alice, general)
    update = slack.as_user(alice).slash_command("/dispatch-update-incident", channel=channel.id)
    await refused_then_told(slack, alice, update)


async def test_a_case_form_slack_refused_is_said_and_no_case_is_opened(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    create = slack.as_user(alice).slash_command("/dispatch-create-case", channel=general.id)
    await refused_then_told(slack, alice, create)
    assert await bot.deps.cases.open_cases(alice.id, 5) == ([], 0)
