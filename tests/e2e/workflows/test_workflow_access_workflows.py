"""Where the workflow commands work and who may use them, end to end: participants only (checked again
on submission), restricted incidents and cases stay invisible to others, a plain answer outside incident
and case channels and when no workflows are configured; and a case, named in the channel where cases are
posted, gets its runs like an incident."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.storage.cases import CaseRepository
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, Message, User
from tests.e2e.conftest import StartBot
from tests.e2e.workflows.ui_support import (
    DIAGNOSTICS,
    ELSEWHERE,
    LIST,
    LIST_MODAL,
    RUN,
    choose,
    open_case,
    open_run_form,
    workflow_settings,
)
from tests.support.bot import bot_settings
from tests.support.forms import open_form
from tests.support.incidents import report_incident
from tests.support.people import leaves, new_person
from tests.support.refusals import ephemeral
from tests.support.runs import finished, settled
from tests.support.waiting import eventually, eventually_value

HIDDEN = "That incident does not exist or is not visible to you."


async def test_only_participants_run_workflows_and_leaving_the_incident_ends_it(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    reported: tuple[Incident, Channel],
) -> None:
    incident, channel = reported
    outsider = slack.add_user("olga")
    ack = await slack.as_user(outsider).slash_command(RUN, channel=channel.id)
    assert ack.payload == ephemeral("Only participants of INC-1 can run workflows. Join it first.")
    assert slack.workspace.top_view(outsider.id) is None

    bob = await new_person(slack, "bob", channel)  # joining the channel makes him a participant

    async def taking_part() -> bool:
        return await workflow_bot.deps.participants.get(incident.id, bob.id) is not None

    await eventually(taking_part, what="bob taking part")
    form = await choose(slack, bob, await open_run_form(slack, bob, channel), DIAGNOSTICS)
    form.fill({"Reason": "Logs", "host": "db1"})
    await leaves(workflow_bot, slack, bob, incident, channel)
    ack = await form.submit()  # the form stayed open: who may run is checked again
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert "Only participants of INC-1 can run workflows." in str(ack.payload["view"])
    await settled(workflow_bot)
    assert await workflow_bot.deps.workflow_runs.for_incident(incident.id) == []
    assert workflow_webhook.runs == []


async def test_a_restricted_incident_stays_invisible_to_others(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    restricted = {"Visibility": "Restricted (participants only)"}
    _, channel = await report_incident(workflow_bot, slack, alice, general, **restricted)
    carol = slack.add_user("carol")
    for command in (RUN, LIST):
        ack = await slack.as_user(carol).slash_command(command, channel=channel.id)
        assert ack.payload == ephemeral(HIDDEN)
    assert slack.workspace.top_view(carol.id) is None
    await open_run_form(slack, alice, channel)  # its participants may


async def test_outside_incident_and_case_channels_the_commands_say_where_they_work(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    assert (await person.slash_command(RUN, channel=general.id)).payload == ephemeral(ELSEWHERE)
    assert (await person.slash_command(LIST, channel=general.id)).payload == ephemeral(
        ELSEWHERE.replace(RUN, LIST)
    )
    assert (await person.slash_command(RUN, text="CASE-9", channel=general.id)).payload == ephemeral(
        "That case does not exist or is not visible to you."
    )


async def test_without_configured_workflows_the_command_says_how_to_add_them(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    general: Channel,
) -> None:
    settings = workflow_settings(bot_settings(slack, database_url), workflow_webhook, workflows=[])
    bot = await start_bot(settings)
    _, channel = await report_incident(bot, slack, alice, general)
    ack = await slack.as_user(alice).slash_command(RUN, channel=channel.id)
    assert ack.payload == ephemeral(
        "No workflows are configured. The bot's operators add them as [[workflows]] entries in its "
        "configuration file (see config.example.toml)."
    )


async def test_a_case_named_where_cases_are_posted_runs_for_its_people_only(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    general: Channel,
) -> None:
    await open_case(slack, alice, general)
    bob = slack.add_user("bob")
    ack = await slack.as_user(bob).slash_command(RUN, text="CASE-1", channel=general.id)
    assert ack.payload == ephemeral(
        "Only the assignee, participants and reporter of CASE-1 can run workflows."
    )
    form = await open_run_form(slack, alice, general, text="CASE-1")
    assert "*CASE-1*" in str(form.blocks)
    form = await choose(slack, alice, form, DIAGNOSTICS)
    assert (await form.fill({"Reason": "Who logged in?", "host": "db1"}).submit()).ok
    await finished(workflow_bot, "run_workflow", form.id)

    [run] = await workflow_bot.deps.workflow_runs.for_case(1)
    assert (run.case_id, run.incident_id, run.requested_by) == (1, None, alice.id)
    assert workflow_webhook.runs[0].params["incident_name"] == "CASE-1"


async def test_anyone_may_run_one_on_a_case_nobody_owns_yet(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await open_case(slack, alice, general)
    async with workflow_bot.deps.database.sessions.begin() as session:
        await CaseRepository(session).change(1, assignee=None, participants=[], reporter=None)
    bob = slack.add_user("bob")
    form = await open_run_form(slack, bob, general, text="CASE-1")  # as for Escalate: someone must act
    form = await choose(slack, bob, form, DIAGNOSTICS)
    assert (await form.fill({"Reason": "Nobody has looked yet", "host": "db1"}).submit()).ok
    await finished(workflow_bot, "run_workflow", form.id)


async def test_a_case_in_its_own_channel_needs_no_name(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await open_case(slack, alice, general)
    await eventually(lambda: case_message(slack, general) is not None, what="CASE-1's message")
    message = case_message(slack, general)
    assert message is not None
    assert (await slack.as_user(alice).click(message, "Create channel")).ok

    async def own_channel() -> Channel | None:
        found = [c for c in slack.workspace.channels.values() if c.name.startswith("case-")]
        return found[0] if found and await workflow_bot.deps.cases.open_in_own_channel(found[0].id) else None

    channel = await eventually_value(own_channel, what="CASE-1 in its own channel")
    form = await open_run_form(slack, alice, channel)
    assert "*CASE-1*" in str(form.blocks)
    await form.close()
    listed = await open_form(slack.as_user(alice), channel, LIST, LIST_MODAL)
    assert "No workflows have run in this case." in str(listed.blocks)


def case_message(slack: FakeSlack, channel: Channel) -> Message | None:
    return next((m for m in slack.messages(channel.id) if m.text.startswith("CASE-1")), None)
