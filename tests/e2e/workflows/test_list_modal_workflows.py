"""`/dispatch-list-workflows`, end to end: the runs of this incident or case in a modal (name linked to
the run, description, reason, who ran it, status, artifacts) and a plain "none yet" before any ran.
(Restricted incidents: test_workflow_access_workflows.py.)"""

from __future__ import annotations

from datetime import timedelta

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, User, View
from dispatchbot.testing.workflow_webhook import WebhookArtifact
from tests.e2e.workflows.ui_support import DIAGNOSTICS, LIST, LIST_MODAL, open_case, run_workflow
from tests.support.forms import open_form
from tests.support.runs import finished

HEAP = WebhookArtifact("heap.hprof", "https://files.example/heap.hprof", "Heap dump of db1")


async def listed(slack: FakeSlack, user: User, channel: Channel, text: str = "") -> View:
    return await open_form(slack.as_user(user), channel, LIST, LIST_MODAL, text)


def texts(view: View) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in view.blocks)


async def test_the_list_is_empty_then_shows_each_run_as_it_stands(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    reported: tuple[Incident, Channel],
) -> None:
    _, channel = reported
    assert texts(await listed(slack, alice, channel)) == "No workflows have run in this incident."

    form, _ = await run_workflow(slack, alice, channel, {"Reason": "Heap <keeps> growing", "host": "db1"})
    await finished(workflow_bot, "run_workflow", form.id)
    workflow_webhook.set_status(form.id, "Completed", [HEAP])
    job = next(job for job in workflow_bot.scheduler.jobs if job.name == "poll_workflows")
    await job.tick(workflow_bot.deps.clock.now() + timedelta(minutes=5))

    shown = texts(await listed(slack, alice, channel))
    weblink = workflow_webhook.instances[form.id].weblink
    assert f"*<{weblink}|{DIAGNOSTICS}>*" in shown
    assert "Completed" in shown
    assert "Gathers logs and heap dumps from the affected hosts" in shown
    assert "Reason: Heap &lt;keeps&gt; growing" in shown
    assert f"Run by <@{alice.id}>" in shown
    assert "Artifacts: <https://files.example/heap.hprof|heap.hprof>" in shown


async def test_a_case_has_its_own_list(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await open_case(slack, alice, general)
    assert texts(await listed(slack, alice, general, "CASE-1")) == "No workflows have run in this case."
