"""A workflow on GitHub Actions end to end, against the GitHub fake: run from the modal (a dispatch with
the person's inputs and only the context the workflow file declares), its message linked to the run,
then followed by the poll job through running to completed with the run's artifacts, or to failed; and
GitHub refusing the inputs (422) said plainly in the channel, nothing half-made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from dispatchbot.app import Running
from dispatchbot.config import Settings
from dispatchbot.testing import Channel, FakeSlack, Message, User
from dispatchbot.testing.github import FakeGitHub
from tests.e2e.alerts.support import replies, top_level
from tests.e2e.cases.support import START, shown
from tests.e2e.workflows.ui_support import choose, open_run_form
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.runs import finished

REPO, FILE = "acme/ops", "rollback.yml"
ROLLBACK = "Roll back"
WORKFLOW = {
    "name": ROLLBACK,
    "description": "Deploys the version given",
    "provider": "github_actions",
    "resource_id": f"{REPO}:{FILE}@main",
    "parameters": [{"key": "version", "required": True}, {"key": "incident_name"}],
}


@dataclass
class Desk:
    bot: Running
    slack: FakeSlack
    github: FakeGitHub
    clock: ManualClock
    alice: User
    channel: Channel

    async def run(self, version: str) -> str:
        """Alice runs "Roll back" to `version` from the modal; the run's key (the view's id)."""
        form = await choose(
            self.slack, self.alice, await open_run_form(self.slack, self.alice, self.channel), ROLLBACK
        )
        assert (await form.fill({"Reason": "Bad deploy", "version": version}).submit()).ok
        await finished(self.bot, "run_workflow", form.id)
        return form.id

    async def poll(self) -> None:
        self.clock.advance(seconds=30)
        job = next(job for job in self.bot.scheduler.jobs if job.name == "poll_workflows")
        await job.tick(self.clock.now())

    def message(self) -> Message:
        [message] = [m for m in top_level(self.slack, self.channel.id) if "workflow" in m.text.lower()]
        return message


@pytest.fixture
async def desk(
    slack: FakeSlack, database_url: str, github: FakeGitHub, alice: User, general: Channel
) -> AsyncIterator[Desk]:
    github.declare_workflow(REPO, FILE, {"version": True, "incident_name": False})
    settings = Settings.model_validate(
        {
            **bot_settings(slack, database_url).model_dump(mode="python"),
            "github_actions": github.settings().model_dump(mode="python"),
            "workflows": [WORKFLOW],
        }
    )
    clock = ManualClock(START)
    async with running_bot(slack, settings, clock) as running:
        _, channel = await report_incident(running, slack, alice, general, Title="Checkout down")
        yield Desk(running, slack, github, clock, alice, channel)


async def test_a_dispatched_run_is_followed_to_its_artifacts(desk: Desk) -> None:
    await desk.run("v41")
    [dispatch] = desk.github.dispatches
    assert (dispatch.repo, dispatch.file, dispatch.ref) == (REPO, FILE, "main")
    assert dispatch.inputs == {"version": "v41", "incident_name": "INC-1"}  # declared context only
    run = desk.github.run_of(dispatch)
    link = desk.github.html_url(run)
    assert (
        desk.message().text == f"Workflow started: *<{link}|{ROLLBACK}>* by <@{desk.alice.id}> — Bad deploy"
    )

    desk.github.advance(run.id, "in_progress")
    await desk.poll()
    assert "Running" in shown(desk.message())
    desk.github.add_artifact(run.id, "deploy-log")
    desk.github.advance(run.id, "completed", "success")
    await desk.poll()
    assert "Completed" in shown(desk.message())
    [reply] = replies(desk.slack, desk.message())
    assert reply.text.endswith("completed.")
    assert f"<{link}/artifacts/" in str(reply.blocks)
    assert "deploy-log" in str(reply.blocks)


async def test_a_failed_run_says_so_with_no_artifacts(desk: Desk) -> None:
    await desk.run("v41")
    run = desk.github.run_of(desk.github.dispatches[0])
    desk.github.advance(run.id, "completed", "failure")
    await desk.poll()
    assert "Failed" in shown(desk.message())
    [reply] = replies(desk.slack, desk.message())
    assert reply.text.endswith("failed.")
    assert "No artifacts" in shown(reply)


async def test_inputs_github_refuses_are_said_plainly_and_nothing_is_started(desk: Desk) -> None:
    desk.github.declare_workflow(REPO, FILE, {"version": True})  # incident_name is not declared any more
    await desk.run("v41")
    assert desk.github.dispatches == []
    text = desk.message().text
    assert text.startswith("Workflow could not start: ")
    assert "GitHub refused the inputs" in shown(desk.message())
    await desk.poll()
    assert replies(desk.slack, desk.message()) == []
