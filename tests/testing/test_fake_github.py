"""The fake GitHub as a client sees it: workflow dispatch (with and without run details), GitHub's 404 and
422 refusals, run listings filtered by creation time, runs, artifacts, the token check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from dispatchbot.testing import FakeGitHub

WORKFLOW = "/repos/acme/ops/actions/workflows/diagnostics.yml"


@pytest.fixture
async def gh(github: FakeGitHub) -> FakeGitHub:
    github.declare_workflow(
        "acme/ops", "diagnostics.yml", {"host": True, "key": False}, run_name="Diagnostics ${{ inputs.key }}"
    )
    return github


@pytest.fixture
async def http(gh: FakeGitHub) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=gh.api_url, headers={"Authorization": f"Bearer {gh.token}"}
    ) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kwargs) as response:
        return response.status, (await response.json() if response.status != 204 else None)


def dispatch(**fields: Any) -> dict[str, Any]:
    return {"ref": "main", "inputs": {"host": "db1", "key": "run-1"}, **fields}


async def test_a_dispatch_returns_run_details_when_asked(gh: FakeGitHub, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch(return_run_details=True))
    assert status == 200
    [sent] = gh.dispatches
    run = gh.run_of(sent)
    assert body == {
        "workflow_run_id": run.id,
        "run_url": f"{gh.api_url}/repos/acme/ops/actions/runs/{run.id}",
        "html_url": gh.html_url(run),
    }
    assert (sent.inputs, sent.ref, run.display_title) == (
        {"host": "db1", "key": "run-1"},
        "main",
        "Diagnostics run-1",
    )

    assert (await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch()))[0] == 204


@pytest.mark.parametrize(("mode", "expected"), [("ignored", 204), ("rejected", 422)])
async def test_older_github_enterprise_has_no_run_details(
    gh: FakeGitHub, http: aiohttp.ClientSession, mode: Any, expected: int
) -> None:
    gh.run_details = mode
    status, body = await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch(return_run_details=True))
    assert status == expected
    if expected == 422:
        assert "return_run_details" in body["message"]
        assert gh.dispatches == []


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/repos/acme/ops/actions/workflows/nope.yml/dispatches", dispatch(), 404, "Not Found"),
        (f"{WORKFLOW}/dispatches", dispatch(ref="nope"), 422, "No ref found for: nope"),
        (
            f"{WORKFLOW}/dispatches",
            {"ref": "main", "inputs": {"key": "x"}},
            422,
            "Required input 'host' not provided",
        ),
        (
            f"{WORKFLOW}/dispatches",
            dispatch(inputs={"host": "a", "extra": "b"}),
            422,
            'Unexpected inputs provided: ["extra"]',
        ),
        (
            f"{WORKFLOW}/dispatches",
            dispatch(inputs={f"i{n}": "x" for n in range(11)}),
            422,
            "inputs are too large. You can pass a maximum of 10 properties.",
        ),
    ],
)
async def test_refusals_are_githubs(
    gh: FakeGitHub, http: aiohttp.ClientSession, path: str, body: Any, status: int, message: str
) -> None:
    got_status, got = await call(http, "POST", path, json=body)
    assert (got_status, got["message"]) == (status, message)
    assert gh.dispatches == []


async def test_the_token_is_checked(gh: FakeGitHub, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", f"{WORKFLOW}/runs", headers={"Authorization": "Bearer wrong"})
    assert (status, body["message"]) == (401, "Bad credentials")
    assert (await call(http, "GET", f"{WORKFLOW}/runs", headers={"Authorization": f"token {gh.token}"}))[
        0
    ] == 200


async def test_runs_are_listed_newest_first_from_a_time_and_appear_after_a_delay(
    gh: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch())
    await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch())
    first, second = (d.run_id for d in gh.dispatches)
    query = {"event": "workflow_dispatch", "branch": "main"}
    status, body = await call(http, "GET", f"{WORKFLOW}/runs", params=query)
    assert (status, body["total_count"]) == (200, 2)
    assert [run["id"] for run in body["workflow_runs"]] == [second, first]
    future = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, body = await call(http, "GET", f"{WORKFLOW}/runs", params={**query, "created": f">={future}"})
    assert body["workflow_runs"] == []
    _, body = await call(http, "GET", f"{WORKFLOW}/runs", params={"branch": "other"})
    assert body["total_count"] == 0

    gh.run_delay = 0.2
    await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch())
    assert (await call(http, "GET", f"{WORKFLOW}/runs"))[1]["total_count"] == 2
    await asyncio.sleep(0.25)
    assert (await call(http, "GET", f"{WORKFLOW}/runs"))[1]["total_count"] == 3


async def test_a_run_moves_on_and_lists_its_artifacts(gh: FakeGitHub, http: aiohttp.ClientSession) -> None:
    await call(http, "POST", f"{WORKFLOW}/dispatches", json=dispatch())
    run_id = gh.dispatches[0].run_id
    status, run = await call(http, "GET", f"/repos/acme/ops/actions/runs/{run_id}")
    assert (status, run["status"], run["conclusion"], run["event"]) == (
        200,
        "queued",
        None,
        "workflow_dispatch",
    )
    gh.advance(run_id, "completed", "success")
    artifact = gh.add_artifact(run_id, "heap-dump")
    _, run = await call(http, "GET", f"/repos/acme/ops/actions/runs/{run_id}")
    assert (run["status"], run["conclusion"], run["head_branch"]) == ("completed", "success", "main")
    status, listed = await call(http, "GET", f"/repos/acme/ops/actions/runs/{run_id}/artifacts")
    assert (status, listed["total_count"]) == (200, 1)
    assert (listed["artifacts"][0]["id"], listed["artifacts"][0]["name"]) == (artifact.id, "heap-dump")
    assert (await call(http, "GET", "/repos/acme/other/actions/runs/1"))[0] == 404
