"""The `webhook` workflow adapter, built from settings as the bot builds it, against the fake workflow
server over HTTP: Dispatch's generic workflow protocol, statuses, artifacts, refusals and retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import structlog
from aiohttp import web
from pydantic import SecretStr

from dispatchbot.config import Settings
from dispatchbot.config.workflows import WebhookSettings
from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.providers import builtin
from dispatchbot.providers.workflows import (
    Artifact,
    WorkflowInstance,
    WorkflowRequest,
    Workflows,
    WorkflowState,
    WorkflowStatus,
)
from dispatchbot.testing import FakeWorkflowWebhook, WebhookArtifact
from dispatchbot.testing.local_server import LocalServer
from tests.support.provider_failures import QUICK, gives_up_before_the_deadline

REQUEST = WorkflowRequest(
    resource_id="collect-logs",
    key="run-7",
    params={"workflowInstanceId": "run-7", "host": "db1.internal", "incident_name": "INC-3"},
    tags=("run-7", "INC-3"),
)


def adapter(section: WebhookSettings) -> Workflows:
    built = builtin.webhook(Settings(webhook=section, providers=QUICK))
    assert built is not None
    return built


@pytest.fixture
def workflows(workflow_webhook: FakeWorkflowWebhook) -> Workflows:
    return adapter(workflow_webhook.settings())


def test_not_configured_without_an_api_url() -> None:
    assert builtin.webhook(Settings()) is None
    assert builtin.webhook(Settings(webhook=WebhookSettings(auth_header=SecretStr("Bearer x")))) is None


async def test_a_run_is_posted_as_dispatch_posts_it(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    instance = await workflows.run(REQUEST)
    assert instance == WorkflowInstance("run-7", "https://workflows.example.test/runs/run-7")
    [run] = workflow_webhook.runs
    assert (run.workflow_id, run.params) == ("collect-logs", dict(REQUEST.params))
    assert run.headers["Authorization"] == workflow_webhook.auth_header


async def test_without_an_instance_id_param_the_key_is_sent_as_one(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    request = WorkflowRequest("collect-logs", key="run-8", params={"host": "db1"})
    assert (await workflows.run(request)).instance_id == "run-8"
    assert workflow_webhook.runs[0].params == {"workflowInstanceId": "run-8", "host": "db1"}
    assert (await workflows.get_instance(request, "run-8")).status is WorkflowStatus.SUBMITTED


async def test_find_sees_a_run_only_once_the_server_has_it(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    since = datetime.now(UTC)
    assert await workflows.find(REQUEST, since) is None
    await workflows.run(REQUEST)
    assert await workflows.find(REQUEST, since) == WorkflowInstance(
        "run-7", "https://workflows.example.test/runs/run-7"
    )


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("Submitted", WorkflowStatus.SUBMITTED),
        ("Running", WorkflowStatus.RUNNING),
        ("RUNNING", WorkflowStatus.RUNNING),
        ("completed", WorkflowStatus.COMPLETED),
        ("Failed", WorkflowStatus.FAILED),
        ("Cancelled", WorkflowStatus.FAILED),
        ("in-progress", WorkflowStatus.RUNNING),
        ("Paused", WorkflowStatus.SUBMITTED),
        ("", WorkflowStatus.SUBMITTED),
    ],
)
async def test_statuses_are_read_case_insensitively(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows, said: str, status: WorkflowStatus
) -> None:
    await workflows.run(REQUEST)
    workflow_webhook.set_status("run-7", said)
    assert (await workflows.get_instance(REQUEST, "run-7")).status is status


async def test_the_status_query_names_the_workflow_the_instance_and_the_tags(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    await workflows.run(REQUEST)
    workflow_webhook.set_status(
        "run-7",
        "Completed",
        [
            WebhookArtifact("heap dump", "https://files.test/heap", "2 GB"),
            WebhookArtifact("no link", ""),
        ],
    )
    state = await workflows.get_instance(REQUEST, "run-7")
    assert state == WorkflowState(
        WorkflowStatus.COMPLETED,
        "https://workflows.example.test/runs/run-7",
        (Artifact("heap dump", "https://files.test/heap", "2 GB"),),
    )
    assert workflow_webhook.status_queries[-1] == {
        "workflow_id": ["collect-logs"],
        "workflow_instance_id": ["run-7"],
        "tags": ["run-7", "INC-3"],
    }


async def test_an_unknown_run_and_a_refused_workflow_say_what_is_wrong(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    with pytest.raises(ProviderError, match=r"has no such run \(HTTP 404\)") as unknown:
        await workflows.get_instance(REQUEST, "run-7")
    assert not isinstance(unknown.value, ProviderUnavailable)
    workflow_webhook.refuse("collect-logs", 422, "params.host: unknown host")
    with pytest.raises(ProviderError) as refused:
        await workflows.run(REQUEST)
    assert refused.value.detail == (
        "could not start workflow collect-logs: the workflow server refused the request (HTTP 422): "
        "params.host: unknown host"
    )


async def test_a_refused_auth_header_is_named_never_shown(workflow_webhook: FakeWorkflowWebhook) -> None:
    workflows = adapter(
        WebhookSettings(api_url=workflow_webhook.api_url, auth_header=SecretStr("Bearer s3cr3t"))
    )
    with structlog.testing.capture_logs() as logs, pytest.raises(ProviderError) as refused:
        await workflows.run(REQUEST)
    assert "check [webhook] auth_header" in refused.value.detail
    assert "s3cr3t" not in str(refused.value)
    logged = repr(logs)
    assert "s3cr3t" not in logged
    assert "db1.internal" not in logged  # params are never logged
    assert workflow_webhook.runs == []


async def test_a_rate_limit_is_waited_out_as_retry_after_asks(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    workflow_webhook.rate_limit(times=1, retry_after=1)
    started = time.monotonic()
    assert (await workflows.run(REQUEST)).instance_id == "run-7"
    assert time.monotonic() - started >= 1.0
    assert len(workflow_webhook.runs) == 1


async def test_a_server_that_keeps_rate_limiting_is_given_up_on(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    workflow_webhook.rate_limit(times=None, retry_after=2)
    await gives_up_before_the_deadline(workflows.run(REQUEST))


async def test_server_errors_are_retried_for_reads(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    await workflows.run(REQUEST)
    workflow_webhook.fail(500, times=2, method="GET")
    assert (await workflows.get_instance(REQUEST, "run-7")).status is WorkflowStatus.SUBMITTED


async def test_a_start_is_not_repeated_after_an_answer_that_may_mean_it_ran(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    workflow_webhook.fail(502, times=1, method="POST")
    with pytest.raises(ProviderUnavailable, match=r"having trouble \(HTTP 502\)"):
        await workflows.run(REQUEST)
    assert workflow_webhook.requests == [("POST", "/")]

    workflow_webhook.down(times=1, method="POST")  # a 503 says nothing was done: tried again at once
    assert (await workflows.run(REQUEST)).instance_id == "run-7"
    assert len(workflow_webhook.runs) == 1


async def test_status_reads_while_the_server_is_down_are_unavailable(
    workflow_webhook: FakeWorkflowWebhook, workflows: Workflows
) -> None:
    await workflows.run(REQUEST)
    workflow_webhook.down(method="GET")
    with pytest.raises(ProviderUnavailable) as down:
        await workflows.get_instance(REQUEST, "run-7")
    assert not down.value.rate_limited


async def test_a_start_answered_with_plain_text_still_started() -> None:
    """A Dispatch-compatible server may answer a start with "OK": the run started, named by its key."""
    async with _PlainTextServer() as server:
        workflows = adapter(WebhookSettings(api_url=server.api_url))
        assert await workflows.run(REQUEST) == WorkflowInstance("run-7")
        with pytest.raises(ProviderError, match="sent an answer the bot does not understand"):
            await workflows.get_instance(REQUEST, "run-7")


class _PlainTextServer(LocalServer):
    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/", _text)
        return app


async def _text(request: web.Request) -> web.Response:
    return web.Response(text="OK")
