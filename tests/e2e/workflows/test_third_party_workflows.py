"""A third-party workflow provider installed as its own package (issue 12's "Done when"): the bot finds it
through the `dispatchbot.providers` entry points, runs a workflow on it from the modal, and follows the
run to its artifacts like a built-in one's."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatchbot.config import Settings
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.alerts.support import replies, top_level
from tests.e2e.cases.support import START
from tests.e2e.workflows.ui_support import choose, open_run_form
from tests.providers.test_third_party_adapter import WORKFLOWS_ADAPTER, install
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.runs import finished

SNAPSHOT = "Snapshot host"


async def test_a_workflow_on_an_installed_provider_runs_from_the_modal_to_its_artifacts(
    slack: FakeSlack,
    database_url: str,
    alice: User,
    general: Channel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install(
        tmp_path, monkeypatch, "rundeck_workflows", WORKFLOWS_ADAPTER, "rundeck = rundeck_workflows:build"
    )
    settings = Settings.model_validate(
        {
            **bot_settings(slack, database_url).model_dump(mode="python"),
            "plugins": {"rundeck": {"url": "https://rundeck.example"}},
            "workflows": [{"name": SNAPSHOT, "provider": "rundeck", "resource_id": "snapshot"}],
        }
    )
    clock = ManualClock(START)
    async with running_bot(slack, settings, clock) as running:
        _, channel = await report_incident(running, slack, alice, general)
        form = await choose(slack, alice, await open_run_form(slack, alice, channel), SNAPSHOT)
        assert (await form.fill({"Reason": "Keep the evidence"}).submit()).ok
        await finished(running, "run_workflow", form.id)

        [message] = [m for m in top_level(slack, channel.id) if m.text.startswith("Workflow started")]
        assert f"<https://rundeck.example/{form.id}|{SNAPSHOT}>" in message.text
        clock.advance(seconds=30)
        job = next(job for job in running.scheduler.jobs if job.name == "poll_workflows")
        await job.tick(clock.now())
        [reply] = replies(slack, message)
        assert reply.text.endswith("completed.")
        assert "https://rundeck.example/job-" in str(reply.blocks)
