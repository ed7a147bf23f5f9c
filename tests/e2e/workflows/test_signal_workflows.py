"""Workflows started by signals (issue 12 item 6): `[[signals]].workflows` runs each named workflow once
for each new alert the signal routes (or each new case it opens), its parameters filled from the alert's
entities, then its labels, then their defaults, and its message in the alert's (or the case's) thread."""

from __future__ import annotations

from typing import Any

from dispatchbot.config import Settings
from dispatchbot.testing import FakeSlack, FakeWorkflowWebhook
from tests.e2e.alerts.support import CHANNEL as ALERTS
from tests.e2e.alerts.support import alert_settings, delivered, replies, top_level
from tests.e2e.cases.support import START, TRIAGE, Desk
from tests.e2e.workflows.ui_support import DIAGNOSTICS, workflow_settings
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.runs import finished
from tests.support.waiting import eventually

SIGNAL = "Disk full"


def with_signal(slack: FakeSlack, database_url: str, webhook: FakeWorkflowWebhook, **signal: Any) -> Settings:
    """One signal, `Disk full`, running "Collect diagnostics" with its host from the instance label."""
    base = workflow_settings(alert_settings(slack, database_url), webhook)
    entry = {"name": SIGNAL, "entities": {"host": "labels.instance"}, "workflows": [DIAGNOSTICS], **signal}
    return Settings.model_validate({**base.model_dump(mode="python"), "signals": [entry]})


async def test_a_new_alert_runs_the_signals_workflow_once_in_its_thread(
    slack: FakeSlack, database_url: str, workflow_webhook: FakeWorkflowWebhook
) -> None:
    channel = slack.add_channel(ALERTS, members=[slack.bot_user_id])
    clock = ManualClock(START)
    settings = with_signal(slack, database_url, workflow_webhook, channel=f"#{ALERTS}")
    async with running_bot(slack, settings, clock) as running:
        desk = Desk(running, slack, channel, clock)
        assert await desk.fire("disk-db7", instance="db7") == "created"
        await delivered(running)
        await finished(running, "run_workflow", f"signal-alert-1-{DIAGNOSTICS}")
        assert await desk.fire("disk-db7", instance="db7") != "created"  # a repeat: no new alert, no new run
        await delivered(running)

        [run] = workflow_webhook.runs
        assert (run.params["host"], run.params["depth"], run.params["incident_name"]) == (
            "db7",
            "2",
            "ALERT-1",
        )
        [alert_message] = top_level(slack, channel.id)
        [message] = replies(slack, alert_message)
        assert message.text.startswith("Workflow started: ")
        assert message.text.endswith(f"by signal {SIGNAL} — Disk 95% on db1")


async def test_a_new_case_runs_it_once_whatever_joins_the_case(
    slack: FakeSlack, database_url: str, workflow_webhook: FakeWorkflowWebhook
) -> None:
    channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
    clock = ManualClock(START)
    settings = with_signal(slack, database_url, workflow_webhook, route="case", channel=f"#{TRIAGE}")
    async with running_bot(slack, settings, clock) as running:
        desk = Desk(running, slack, channel, clock)
        await desk.fire("disk-db1", instance="db1")
        await desk.fire("memory-db1", instance="db1")  # joins CASE-1
        await desk.settled()
        await finished(running, "run_workflow", f"signal-case-1-{DIAGNOSTICS}")

        [run] = workflow_webhook.runs
        assert (run.params["host"], run.params["incident_name"]) == ("db1", "CASE-1")
        case_message = desk.case(1)

        def said() -> bool:
            return any(m.text.startswith("Workflow started") for m in replies(slack, case_message))

        await eventually(said, what="the run's message in the case thread")
        assert len(top_level(slack, channel.id)) == 1
