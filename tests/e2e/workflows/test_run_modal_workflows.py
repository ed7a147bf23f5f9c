"""`/dispatch-run-workflow` in an incident channel, end to end: the modal offers the configured workflows,
choosing one redraws it with a Reason and the workflow's parameters (defaults filled in), and the
submission starts one run at the provider however often it is sent; what is wrong is said on the form."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, User
from dispatchbot.testing.slack.delivery import INTERACTIVE
from tests.e2e.workflows.ui_support import DIAGNOSTICS, ROLLBACK, choose, open_run_form, run_workflow
from tests.support.runs import finished, settled
from tests.support.waiting import eventually

Reported = tuple[Incident, Channel]


async def test_a_participant_runs_a_workflow_with_its_parameters(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    reported: Reported,
) -> None:
    incident, channel = reported
    form = await open_run_form(slack, alice, channel)
    assert form.input_labels() == ["Workflow"]
    assert [o["text"]["text"] for o in form.blocks[1]["element"]["options"]] == [DIAGNOSTICS, ROLLBACK]
    form = await choose(slack, alice, form, DIAGNOSTICS)
    assert form.input_labels() == ["Workflow", "Reason", "host", "depth"]
    assert form.values["parameter:depth"]["parameter:depth"]["value"] == "2"  # its default
    assert "Gathers logs and heap dumps" in str(form.blocks)

    ack = await form.fill({"Reason": "Heap keeps growing", "host": "db1"}).submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    assert not form.is_open
    await finished(workflow_bot, "run_workflow", form.id)

    [started] = workflow_webhook.runs
    assert started.workflow_id == "diagnostics"
    assert {key: started.params[key] for key in ("host", "depth")} == {"host": "db1", "depth": "2"}
    assert started.params["incident_name"] == incident.reference
    [run] = await workflow_bot.deps.workflow_runs.for_incident(incident.id)
    assert (run.workflow, run.reason, run.requested_by) == (DIAGNOSTICS, "Heap keeps growing", alice.id)
    await eventually(
        lambda: any("Workflow started" in m.text for m in slack.messages(channel.id)),
        what="the run's message in the incident channel",
    )


async def test_a_double_submit_starts_one_run(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    reported: Reported,
) -> None:
    incident, channel = reported
    form, first = await run_workflow(slack, alice, channel, {"Reason": "Twice", "host": "db1"})
    assert first.ok
    await slack.socket.redeliver(first)
    await slack.as_user(alice).deliver(INTERACTIVE, dict(first.envelope["payload"]))  # a double click
    await finished(workflow_bot, "run_workflow", form.id)
    await settled(workflow_bot)

    assert len(workflow_webhook.runs) == 1
    assert len(await workflow_bot.deps.workflow_runs.for_incident(incident.id)) == 1


async def test_an_empty_required_parameter_is_said_on_its_input_and_starts_nothing(
    workflow_bot: Running,
    slack: FakeSlack,
    workflow_webhook: FakeWorkflowWebhook,
    alice: User,
    reported: Reported,
) -> None:
    incident, channel = reported
    form, ack = await run_workflow(slack, alice, channel, {"Reason": "Look", "host": "  "})

    assert ack.payload == {"response_action": "errors", "errors": {"parameter:host": "host is required."}}
    assert form.is_open
    assert form.error_for("host") == "host is required."
    await settled(workflow_bot)
    assert await workflow_bot.deps.workflow_runs.for_incident(incident.id) == []
    assert workflow_webhook.runs == []


async def test_switching_workflows_redraws_the_form_for_the_new_one(
    workflow_bot: Running, slack: FakeSlack, alice: User, reported: Reported
) -> None:
    incident, channel = reported
    form = await choose(slack, alice, await open_run_form(slack, alice, channel), DIAGNOSTICS)
    form.fill({"Reason": "Roll it back"})
    form = await choose(slack, alice, form, ROLLBACK)
    assert form.input_labels() == ["Workflow", "Reason"]
    assert (await form.submit()).ok  # the reason typed before the switch stays
    await finished(workflow_bot, "run_workflow", form.id)

    [run] = await workflow_bot.deps.workflow_runs.for_incident(incident.id)
    assert (run.workflow, run.reason) == (ROLLBACK, "Roll it back")
