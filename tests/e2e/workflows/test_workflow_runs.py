"""A workflow run end to end, against the webhook fake: started for an incident (one run per key, the
parameters with the incident's context), its message posted and edited in place as the poll job
follows it through running to completed (a reply with the artifacts) or failed, a provider that stops
answering shown as "status unknown since …" until it answers again, a refusal said plainly, a
workflow that left the config shown and no longer followed, and a case's run in the case's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from dispatchbot.app import Running
from dispatchbot.blocks.incidents.documents import conversation_link
from dispatchbot.domain import Incident
from dispatchbot.flows.workflows.run_workflow import RunRequest, start
from dispatchbot.providers.workflows import WorkflowStatus
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, Message, User
from dispatchbot.testing.workflow_webhook import WebhookArtifact
from dispatchbot.workflow_runs import WorkflowRun
from tests.e2e.alerts.support import CHANNEL as ALERTS
from tests.e2e.alerts.support import alert_settings, delivered, replies, top_level
from tests.e2e.cases.support import START, TRIAGE, Desk, shown
from tests.e2e.workflows.ui_support import DIAGNOSTICS, settings_for, workflow_settings
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.incident_channel import timeline
from tests.support.incidents import report_incident
from tests.support.runs import finished

KEY = "V0WORKFLOW1"
LOGS = WebhookArtifact("logs.tgz", "https://files.example/logs.tgz?x=1&y=2", "Logs of db1")


async def run_for(
    bot: Running, key: str = KEY, *, by: str | None, reason: str = "Heap is growing", **subject: int
) -> WorkflowRun:
    """Start "Collect diagnostics" on db1 for `subject` (incident_id=…, case_id=…) and wait for its run."""
    request = RunRequest(DIAGNOSTICS, key, {"host": "db1", "depth": ""}, reason, by, **subject)
    await start(bot.deps, request)
    await finished(bot, "run_workflow", key)
    run = await bot.deps.workflow_runs.by_key(key)
    assert run is not None
    return run


async def poll(bot: Running, clock: ManualClock, **later: float) -> None:
    """Move the clock on by `later` and run one tick of the job that follows workflow runs."""
    clock.advance(**later)
    job = next(job for job in bot.scheduler.jobs if job.name == "poll_workflows")
    await job.tick(clock.now())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def clocked_bot(
    slack: FakeSlack, database_url: str, workflow_webhook: FakeWorkflowWebhook, clock: ManualClock
) -> AsyncIterator[Running]:
    """The workflows bot of `ui_support`, on a hand-set clock (the poll job's tick is given its now)."""
    async with running_bot(slack, settings_for(slack, database_url, workflow_webhook), clock) as running:
        yield running


@dataclass
class Room:
    """An incident (reported by Alice, titled "Payments <down>") in a bot with workflows on the fake."""

    bot: Running
    slack: FakeSlack
    webhook: FakeWorkflowWebhook
    clock: ManualClock
    alice: User
    incident: Incident
    channel: Channel

    async def run(self, key: str = KEY) -> WorkflowRun:
        return await run_for(self.bot, key, by=self.alice.id, incident_id=self.incident.id)

    async def poll(self, **later: float) -> None:
        await poll(self.bot, self.clock, **later)

    def message(self) -> Message:
        """The one run message in the channel (not the replies under it)."""
        [message] = [m for m in top_level(self.slack, self.channel.id) if m.text.startswith("Workflow ")]
        return message

    async def timeline(self) -> list[str]:
        return await timeline(self.bot, self.incident)


@pytest.fixture
async def room(
    clocked_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    clock: ManualClock,
    alice: User,
    general: Channel,
) -> Room:
    incident, channel = await report_incident(clocked_bot, slack, alice, general, Title="Payments <down>")
    return Room(clocked_bot, slack, workflow_webhook, clock, alice, incident, channel)


async def test_a_run_is_started_posted_and_followed_to_its_artifacts(room: Room) -> None:
    run = await room.run()
    again = RunRequest(DIAGNOSTICS, KEY, {}, "a second click", room.alice.id, incident_id=room.incident.id)
    await start(room.bot.deps, again)
    await finished(room.bot, "run_workflow", KEY)

    [sent] = room.webhook.runs
    assert sent.workflow_id == "diagnostics"
    assert sent.params == {
        "host": "db1",
        "depth": "",
        "incident_name": room.incident.reference,
        "incident_title": "Payments <down>",
        "incident_severity": room.incident.severity,
        "incident_status": "active",
        "workflowInstanceId": KEY,
        "externalRef": conversation_link(room.bot.deps.identity.url, room.channel.id),
    }
    assert run.instance_id == KEY
    weblink = room.webhook.instances[KEY].weblink
    message = room.message()
    by = f"by <@{room.alice.id}>"
    assert message.text == f"Workflow started: *<{weblink}|{DIAGNOSTICS}>* {by} — Heap is growing"
    assert "Status: :hourglass_flowing_sand: Submitted" in shown(message)
    assert f"Workflow {DIAGNOSTICS} started {by} — Heap is growing" in await room.timeline()

    room.webhook.set_status(KEY, "Running")
    await room.poll(seconds=30)
    assert room.message().ts == message.ts  # edited in place
    assert "Status: :arrows_counterclockwise: Running" in shown(room.message())
    assert replies(room.slack, message) == []

    room.webhook.set_status(KEY, "Completed", [LOGS])
    await room.poll(seconds=30)
    await room.poll(seconds=30)  # finished: neither polled nor replied to again
    assert "Status: :white_check_mark: Completed" in shown(room.message())
    [reply] = replies(room.slack, message)
    assert reply.text == f":white_check_mark: Workflow *<{weblink}|{DIAGNOSTICS}>* completed."
    assert "<https://files.example/logs.tgz?x=1&amp;y=2|logs.tgz> — Logs of db1" in shown(reply)
    assert f"Workflow {DIAGNOSTICS} completed" in await room.timeline()
    assert len(room.webhook.status_queries) == 2


async def test_a_failed_run_says_so_without_artifacts(room: Room) -> None:
    await room.run()
    room.webhook.set_status(KEY, "Failed")
    await room.poll(seconds=30)
    assert "Status: :x: Failed" in shown(room.message())
    [reply] = replies(room.slack, room.message())
    assert reply.text.endswith("failed.")
    assert "No artifacts" in shown(reply)
    assert f"Workflow {DIAGNOSTICS} failed" in await room.timeline()


async def test_a_silent_provider_shows_status_unknown_until_it_answers(room: Room) -> None:
    await room.run()
    room.webhook.fail(500, times=None, method="GET")
    failing_since = room.clock.advance(seconds=30)
    await room.poll()
    assert "status unknown since <!date^" in shown(room.message())
    assert f"|{failing_since:%Y-%m-%d %H:%M} UTC>" in shown(room.message())
    asked = len(room.webhook.status_queries)
    await room.poll(seconds=30)  # backing off: the next poll is a minute after the failure
    assert len(room.webhook.status_queries) == asked

    room.webhook.up()
    room.webhook.set_status(KEY, "Running")
    await room.poll(seconds=60)
    assert "status unknown" not in shown(room.message())
    assert "Status: :arrows_counterclockwise: Running" in shown(room.message())


async def test_a_refusal_is_said_plainly_and_fails_the_run(room: Room) -> None:
    room.webhook.refuse("diagnostics", 404, "Workflow <diagnostics> not found")
    run = await room.run()
    assert (run.status, run.instance_id) == (WorkflowStatus.FAILED, None)
    assert "diagnostics" in run.error
    message = room.message()
    assert message.text.startswith(f"Workflow could not start: *{DIAGNOSTICS}* by <@{room.alice.id}>")
    assert ":warning: Could not start: " in shown(message)
    assert "Workflow &lt;diagnostics&gt; not found" in shown(message)
    assert "Traceback" not in shown(message)
    assert room.webhook.runs == []
    assert f"Workflow {DIAGNOSTICS} could not start: " in "\n".join(await room.timeline())
    assert not any("Retry" in str(m.blocks) for m in room.slack.messages(room.channel.id))


async def test_a_start_the_provider_may_have_missed_is_tried_again_once(room: Room) -> None:
    room.webhook.fail(500, times=1, method="POST")  # the server may or may not have started it
    run = await room.run()
    assert run.instance_id == KEY
    assert len(room.webhook.runs) == 1  # asked for it by key first: not there, so started now
    assert "Status: :hourglass_flowing_sand: Submitted" in shown(room.message())


async def test_a_provider_that_never_answers_is_given_up_plainly(room: Room) -> None:
    room.webhook.fail(500, times=None, method="POST")
    run = await room.run()  # the last attempt records why
    assert (run.status, run.instance_id) == (WorkflowStatus.FAILED, None)
    assert run.error.startswith("the provider did not answer (")
    assert ":warning: Could not start: the provider did not answer" in shown(room.message())


async def test_a_workflow_that_left_the_config_is_shown_and_not_followed(room: Room) -> None:
    await room.run()
    room.bot.deps.settings.workflows.clear()  # as a restart with a config without it would see it
    await room.poll(seconds=30)
    await room.poll(minutes=30)
    assert "status unknown: workflow not configured" in shown(room.message())
    assert room.webhook.status_queries == []


async def test_a_case_run_is_posted_in_the_case_thread(
    slack: FakeSlack, database_url: str, workflow_webhook: FakeWorkflowWebhook, clock: ManualClock
) -> None:
    channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
    signals = [{"name": "Disk full", "route": "case", "channel": f"#{TRIAGE}"}]
    settings = workflow_settings(alert_settings(slack, database_url, signals=signals), workflow_webhook)
    async with running_bot(slack, settings, clock) as running:
        desk = Desk(running, slack, channel, clock)
        await desk.fire("db1")
        await desk.settled()
        case_message = desk.case(1)
        run = await run_for(running, by=None, reason="", case_id=1)
        assert run.thread_ts == case_message.ts
        assert workflow_webhook.runs[0].params["incident_name"] == "CASE-1"
        [message] = [m for m in replies(slack, case_message) if m.text.startswith("Workflow started")]
        weblink = workflow_webhook.instances[KEY].weblink
        assert message.text == f"Workflow started: *<{weblink}|{DIAGNOSTICS}>* by signal Disk full"

        workflow_webhook.set_status(KEY, "Completed")
        await poll(running, clock, seconds=30)
        assert [m for m in replies(slack, case_message) if m.text.endswith("completed.")] != []
        entries = await running.deps.cases.timeline(1)
        assert [e.detail for e in entries if e.action == "workflow"] == [
            f"{DIAGNOSTICS} started",
            f"{DIAGNOSTICS} completed",
        ]
        assert len(top_level(slack, channel.id)) == 1  # nothing outside the thread


async def test_an_alert_run_is_posted_in_the_alert_thread(
    slack: FakeSlack,
    database_url: str,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    clock: ManualClock,
) -> None:
    channel = slack.add_channel(ALERTS, members=[slack.bot_user_id])
    settings = workflow_settings(alert_settings(slack, database_url), workflow_webhook)
    async with running_bot(slack, settings, clock) as running:
        await Desk(running, slack, channel, clock).fire("db1")  # no signal: the default channel
        await delivered(running)
        [alert_message] = top_level(slack, channel.id)
        run = await run_for(running, by=alice.id, alert_id=1)
        assert (run.channel_id, run.thread_ts) == (channel.id, alert_message.ts)
        assert workflow_webhook.runs[0].params["incident_name"] == "ALERT-1"
        [message] = replies(slack, alert_message)
        assert message.text.startswith(f"Workflow started: *<{workflow_webhook.instances[KEY].weblink}|")
