"""The `github_actions` workflow adapter, built from settings as the bot builds it, against the fake GitHub
over HTTP: dispatch with and without run details, finding the run by listing, statuses, artifacts, GitHub's
refusals in words a responder reads, the 10-input limit, retries, and the token kept out of sight."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from pydantic import SecretStr

from dispatchbot.config import ConfigError, Settings, load_settings
from dispatchbot.config.workflows import GitHubActionsSettings, GitHubWorkflow, parse_github_workflow
from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.providers import builtin
from dispatchbot.providers.github_actions import GitHubActionsWorkflows, status_of
from dispatchbot.providers.retries import RetryPolicy
from dispatchbot.providers.workflows import Artifact, WorkflowRequest, Workflows, WorkflowStatus
from dispatchbot.testing import FakeGitHub
from tests.support.provider_failures import QUICK, gives_up_before_the_deadline

RESOURCE = "acme/ops:diagnostics.yml@main"
REQUEST = WorkflowRequest(resource_id=RESOURCE, key="run-7", params={"host": "db1", "key": "run-7"})


def adapter(section: GitHubActionsSettings) -> Workflows:
    built = builtin.github_actions(Settings(github_actions=section, providers=QUICK))
    assert built is not None
    return built


@pytest.fixture
def gh(github: FakeGitHub) -> FakeGitHub:
    github.declare_workflow(
        "acme/ops", "diagnostics.yml", {"host": True, "key": False}, run_name="Diagnostics ${{ inputs.key }}"
    )
    return github


@pytest.fixture
def workflows(gh: FakeGitHub) -> Workflows:
    return adapter(gh.settings())


def test_not_configured_without_a_token() -> None:
    assert builtin.github_actions(Settings()) is None
    assert builtin.github_actions(Settings(github_actions=GitHubActionsSettings(token=SecretStr("")))) is None


@pytest.mark.parametrize(
    ("resource_id", "parsed"),
    [
        ("acme/ops:diagnostics.yml@main", GitHubWorkflow("acme", "ops", "diagnostics.yml", "main")),
        (
            "acme/ops.site:.github/workflows/roll-back.yaml@v1.2",
            GitHubWorkflow("acme", "ops.site", "roll-back.yaml", "v1.2"),
        ),
        (
            "acme/ops:x.yml@refs/heads/release/2",
            GitHubWorkflow("acme", "ops", "x.yml", "refs/heads/release/2"),
        ),
    ],
)
def test_resource_ids_are_taken_apart(resource_id: str, parsed: GitHubWorkflow) -> None:
    assert parse_github_workflow(resource_id) == parsed


@pytest.mark.parametrize(
    "resource_id", ["acme/ops:diagnostics.yml", "acme:diagnostics.yml@main", "acme/ops@main"]
)
def test_malformed_resource_ids_are_refused_in_one_line(resource_id: str) -> None:
    with pytest.raises(ValueError, match=r"write it as owner/repo:file\.yml@ref"):
        parse_github_workflow(resource_id)


async def test_a_dispatch_returns_the_run(gh: FakeGitHub, workflows: Workflows) -> None:
    instance = await workflows.run(REQUEST)
    [dispatch] = gh.dispatches
    run = gh.run_of(dispatch)
    assert (instance.instance_id, instance.weblink) == (str(run.id), gh.html_url(run))
    assert (dispatch.ref, dispatch.inputs, dispatch.return_run_details) == (
        "main",
        dict(REQUEST.params),
        True,
    )


@pytest.mark.parametrize("mode", ["ignored", "rejected"])
async def test_without_run_details_the_run_is_found_by_listing(
    gh: FakeGitHub, workflows: Workflows, mode: str
) -> None:
    gh.run_details = mode  # type: ignore[assignment]
    gh.run_delay = 0.5  # the run appears a moment after the dispatch is answered
    instance = await workflows.run(REQUEST)
    [dispatch] = gh.dispatches
    assert instance.instance_id == str(dispatch.run_id)
    assert instance.weblink == gh.html_url(gh.run_of(dispatch))


async def test_a_run_that_never_appears_is_looked_for_later(gh: FakeGitHub) -> None:
    gh.run_details = "ignored"
    gh.run_delay = 60
    workflows = GitHubActionsWorkflows(gh.api_url, gh.token, RetryPolicy(), find_waits=(0.1, 0.2))
    with pytest.raises(
        ProviderUnavailable, match=r"did not appear within 0\.3 s; it is looked for again later"
    ):
        await workflows.run(REQUEST)
    assert len(gh.dispatches) == 1
    assert gh.requests.count(("GET", "/repos/acme/ops/actions/workflows/diagnostics.yml/runs")) == 3


async def test_find_prefers_the_run_titled_with_the_key(gh: FakeGitHub, workflows: Workflows) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    assert await workflows.find(REQUEST, since) is None
    other = WorkflowRequest(RESOURCE, key="run-6", params={"host": "db2", "key": "run-6"})
    await workflows.run(other)
    mine = await workflows.run(REQUEST)
    found = await workflows.find(REQUEST, since)
    assert found is not None
    assert found.instance_id == mine.instance_id
    untitled = WorkflowRequest(RESOURCE, key="run-9", params={"host": "db3"})
    oldest = await workflows.find(untitled, since)
    assert oldest is not None
    assert oldest.instance_id == str(gh.dispatches[0].run_id)
    assert await workflows.find(REQUEST, datetime.now(UTC) + timedelta(minutes=1)) is None


@pytest.mark.parametrize(
    ("status", "conclusion", "expected"),
    [
        ("queued", None, WorkflowStatus.SUBMITTED),
        ("waiting", None, WorkflowStatus.SUBMITTED),
        ("pending", None, WorkflowStatus.SUBMITTED),
        ("requested", None, WorkflowStatus.SUBMITTED),
        ("in_progress", None, WorkflowStatus.RUNNING),
        ("completed", "success", WorkflowStatus.COMPLETED),
        ("completed", "neutral", WorkflowStatus.COMPLETED),
        ("completed", "skipped", WorkflowStatus.COMPLETED),
        ("completed", "failure", WorkflowStatus.FAILED),
        ("completed", "cancelled", WorkflowStatus.FAILED),
        ("completed", "timed_out", WorkflowStatus.FAILED),
    ],
)
def test_statuses_and_conclusions(status: str, conclusion: str | None, expected: WorkflowStatus) -> None:
    assert status_of({"status": status, "conclusion": conclusion}) is expected


async def test_a_run_is_followed_to_its_artifacts(gh: FakeGitHub, workflows: Workflows) -> None:
    instance = await workflows.run(REQUEST)
    run_id = int(instance.instance_id)
    gh.add_artifact(run_id, "heap-dump", 2_500_000)
    running = await workflows.get_instance(REQUEST, instance.instance_id)
    assert (running.status, running.artifacts) == (WorkflowStatus.SUBMITTED, ())
    gh.advance(run_id, "in_progress")
    assert (await workflows.get_instance(REQUEST, instance.instance_id)).status is WorkflowStatus.RUNNING
    gh.advance(run_id, "completed", "success")
    done = await workflows.get_instance(REQUEST, instance.instance_id)
    artifact_id = gh.runs[run_id].artifacts[0].id
    assert done.status is WorkflowStatus.COMPLETED
    assert done.weblink == instance.weblink
    assert done.artifacts == (Artifact("heap-dump", f"{instance.weblink}/artifacts/{artifact_id}", "2.5 MB"),)


async def test_refusals_say_what_is_wrong(gh: FakeGitHub, workflows: Workflows) -> None:
    wrong_file = WorkflowRequest("acme/ops:nope.yml@main", key="k", params={})
    with pytest.raises(ProviderError, match=r"GitHub has no workflow nope\.yml in acme/ops.*\(404\)"):
        await workflows.run(wrong_file)
    with pytest.raises(ProviderError) as refused:
        await workflows.run(WorkflowRequest(RESOURCE, key="k", params={"host": "db1", "hots": "x"}))
    assert refused.value.detail == (
        "could not start diagnostics.yml in acme/ops: "
        'GitHub refused the inputs: Unexpected inputs provided: ["hots"] (422)'
    )
    with pytest.raises(ProviderError, match=r"Required input 'host' not provided \(422\)"):
        await workflows.run(WorkflowRequest(RESOURCE, key="k", params={}))
    with pytest.raises(ProviderError, match=r"No ref found for: gone \(422\)"):
        await workflows.run(WorkflowRequest("acme/ops:diagnostics.yml@gone", key="k", params={"host": "a"}))
    with pytest.raises(ProviderError, match=r"GitHub has no run 999 in acme/ops \(404\)"):
        await workflows.get_instance(REQUEST, "999")
    assert gh.dispatches == []


async def test_more_than_ten_inputs_are_refused_before_calling_github(
    gh: FakeGitHub, workflows: Workflows
) -> None:
    request = WorkflowRequest(RESOURCE, key="k", params={f"input{n:02d}": "x" for n in range(11)})
    with pytest.raises(ProviderError, match="at most 10 inputs and this run has 11") as refused:
        await workflows.run(request)
    assert not isinstance(refused.value, ProviderUnavailable)
    assert gh.requests == []


async def test_a_malformed_resource_id_is_a_provider_error(workflows: Workflows) -> None:
    with pytest.raises(ProviderError, match=r"write it as owner/repo:file\.yml@ref"):
        await workflows.run(WorkflowRequest("acme/ops", key="k", params={}))


async def test_a_refused_token_is_named_never_shown(gh: FakeGitHub) -> None:
    workflows = adapter(GitHubActionsSettings(api_url=gh.api_url, token=SecretStr("ghp_s3cr3t")))
    with structlog.testing.capture_logs() as logs, pytest.raises(ProviderError) as refused:
        await workflows.run(REQUEST)
    assert "GitHub refused the token (401); check [github_actions] token" in refused.value.detail
    assert "ghp_s3cr3t" not in str(refused.value)
    assert "ghp_s3cr3t" not in repr(logs)
    assert "db1" not in repr(logs)  # inputs are never logged


async def test_a_forbidden_token_says_which_permissions_it_needs(
    gh: FakeGitHub, workflows: Workflows
) -> None:
    gh.fail(403, times=1)
    with pytest.raises(
        ProviderError, match=r"token may not do this in acme/ops \(403\); it needs Actions read"
    ):
        await workflows.run(REQUEST)


async def test_rate_limits_are_waited_out_as_asked(gh: FakeGitHub, workflows: Workflows) -> None:
    gh.rate_limit(times=1, retry_after=1)
    gh.fail(403, times=1, retry_after=0.5)  # GitHub's secondary rate limit
    started = time.monotonic()
    await workflows.run(REQUEST)
    assert time.monotonic() - started >= 1.5
    assert len(gh.dispatches) == 1


async def test_github_that_keeps_rate_limiting_is_given_up_on(gh: FakeGitHub, workflows: Workflows) -> None:
    gh.rate_limit(times=None, retry_after=2)
    await gives_up_before_the_deadline(workflows.run(REQUEST))


async def test_server_errors_are_retried_for_reads_but_not_for_a_dispatch(
    gh: FakeGitHub, workflows: Workflows
) -> None:
    instance = await workflows.run(REQUEST)
    gh.fail(502, times=2, method="GET")
    assert (await workflows.get_instance(REQUEST, instance.instance_id)).status is WorkflowStatus.SUBMITTED
    gh.fail(500, times=1, method="POST")
    with pytest.raises(ProviderUnavailable, match=r"GitHub is having trouble \(HTTP 500\)"):
        await workflows.run(REQUEST)
    assert len(gh.dispatches) == 1


def test_a_malformed_resource_id_is_refused_at_start_up(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[workflows]]\nname = "Collect diagnostics"\nprovider = "github_actions"\nresource_id = "acme/ops"\n'
        '[[workflows]]\nname = "Hook"\nprovider = "webhook"\nresource_id = "anything goes"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    [problem] = raised.value.problems  # the webhook workflow's resource_id is the server's business
    assert (
        "workflows[0] (Collect diagnostics).resource_id: 'acme/ops' is not a GitHub workflow: "
        "write it as owner/repo:file.yml@ref"
    ) in problem
