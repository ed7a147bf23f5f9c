"""The fake workflow webhook as a client sees it: Dispatch's generic workflow protocol, auth, faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from dispatchbot.testing import FakeWorkflowWebhook, WebhookArtifact


@pytest.fixture
async def http(workflow_webhook: FakeWorkflowWebhook) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=workflow_webhook.api_url, headers={"Authorization": workflow_webhook.auth_header}
    ) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kwargs) as response:
        return response.status, await response.json()


START = {"workflow_id": "collect-logs", "params": {"workflowInstanceId": "run-1", "host": "db1"}}
QUERY = {"workflow_id": "collect-logs", "workflow_instance_id": "run-1"}


async def test_a_run_is_started_recorded_and_followed(
    workflow_webhook: FakeWorkflowWebhook, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, "POST", "/hooks/workflows", json=START)
    assert (status, body["workflow_instance_id"]) == (200, "run-1")
    [run] = workflow_webhook.runs
    assert (run.workflow_id, run.params["host"], run.instance_id) == ("collect-logs", "db1", "run-1")
    assert run.headers["Authorization"] == workflow_webhook.auth_header

    status, got = await call(http, "GET", "/hooks/workflows", params=QUERY)
    assert (status, got) == (200, {"status": "Submitted", "weblink": body["weblink"], "artifacts": []})

    workflow_webhook.set_status("run-1", "Completed", [WebhookArtifact("logs", "https://x.test/l", "tgz")])
    _, got = await call(http, "GET", "/", params=[("workflow_id", "collect-logs"), ("tags", "run-1")])
    assert got["status"] == "Completed"
    assert got["artifacts"] == [{"name": "logs", "weblink": "https://x.test/l", "description": "tgz"}]
    assert workflow_webhook.status_queries[-1] == {"workflow_id": ["collect-logs"], "tags": ["run-1"]}


async def test_a_repeated_start_is_recorded_twice_without_resetting_the_run(
    workflow_webhook: FakeWorkflowWebhook, http: aiohttp.ClientSession
) -> None:
    await call(http, "POST", "/", json=START)
    workflow_webhook.set_status("run-1", "Running")
    await call(http, "POST", "/", json=START)
    assert len(workflow_webhook.runs_of("run-1")) == 2
    assert workflow_webhook.instances["run-1"].status == "Running"


async def test_unknown_runs_wrong_auth_and_refused_workflows(
    workflow_webhook: FakeWorkflowWebhook, http: aiohttp.ClientSession
) -> None:
    assert (await call(http, "GET", "/", params=QUERY))[0] == 404
    assert (await call(http, "POST", "/", json=START, headers={"Authorization": "Bearer nope"}))[0] == 401
    workflow_webhook.refuse("collect-logs", 422, "host is required")
    assert await call(http, "POST", "/", json=START) == (422, {"message": "host is required"})
    assert workflow_webhook.runs == []
    workflow_webhook.accept("collect-logs")
    assert (await call(http, "POST", "/", json=START))[0] == 200


async def test_faults_are_answered_before_anything_is_recorded(
    workflow_webhook: FakeWorkflowWebhook, http: aiohttp.ClientSession
) -> None:
    workflow_webhook.rate_limit(retry_after=2)
    async with http.post("/", json=START) as response:
        assert (response.status, response.headers["Retry-After"]) == (429, "2")
    workflow_webhook.fail(502, times=1)
    assert (await call(http, "POST", "/", json=START))[0] == 502
    assert workflow_webhook.runs == []
    assert (await call(http, "POST", "/", json=START))[0] == 200

    workflow_webhook.down(method="GET")
    assert (await call(http, "GET", "/", params=QUERY))[0] == 503
    assert (await call(http, "GET", "/", params=QUERY))[0] == 503
    workflow_webhook.up()
    assert (await call(http, "GET", "/", params=QUERY))[0] == 200
