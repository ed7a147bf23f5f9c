"""The `github_actions` workflow provider: `workflow_dispatch` on a workflow file, then the run's status,
conclusion and artifacts, on github.com or GitHub Enterprise Server (`[github_actions] api_url`).

A workflow's `resource_id` is ``owner/repo:file.yml@ref`` (the file may be given with its
``.github/workflows/`` path). The inputs are `request.params` as given: GitHub answers 422 to an input
the workflow file does not declare, and takes at most 10, which is checked here first.

GitHub's dispatch answer names the run only when asked (``return_run_details``, February 2026); older
Enterprise servers answer 204 without it, or 422 to the unknown field, and are asked again without it
(a 422 started nothing). Without a run id the run is found by listing the workflow's dispatched runs on
that ref created since the dispatch, a few times over up to 10 s (`FIND_WAITS`), since GitHub creates the run
a moment after it answers. `find` lists the same way from `since`, preferring a run whose title
(``run-name:``) contains the request's key, then the oldest: a workflow that puts an input holding the
key in its ``run-name`` is never confused with a run someone else started meanwhile. Creation times are
compared in whole seconds, as GitHub gives them, with no allowance for clock skew: a run missed that way
is found by the caller's `find` on its next attempt, while one taken by mistake could not be undone.

Statuses: queued, requested, waiting and pending are submitted, in_progress is running, completed is
completed when the conclusion is success, neutral or skipped and failed otherwise. Artifacts are read
once a run has finished, linked to their page on the run (``<run>/artifacts/<id>``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from dispatchbot.config import Settings
from dispatchbot.config.workflows import GitHubWorkflow, parse_github_workflow
from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.providers.http_api import Answer, HttpFailure, JsonApi, refusal
from dispatchbot.providers.retries import Refusal, RetryPolicy, Trouble, retry_after
from dispatchbot.providers.workflows import (
    Artifact,
    WorkflowInstance,
    WorkflowRequest,
    Workflows,
    WorkflowState,
    WorkflowStatus,
)

PROVIDER = "GitHub"
MAX_INPUTS = 10
FIND_WAITS = (1.0, 2.0, 3.0, 4.0)
"""Pauses between listings while a dispatched run has not appeared yet: at most 10 s in all."""
API_VERSION = "2022-11-28"
SUBMITTED = frozenset({"queued", "requested", "waiting", "pending"})
SUCCESSFUL = frozenset({"success", "neutral", "skipped"})


def status_of(run: dict[str, Any]) -> WorkflowStatus:
    status = str(run.get("status") or "")
    if status == "completed":
        return WorkflowStatus.COMPLETED if run.get("conclusion") in SUCCESSFUL else WorkflowStatus.FAILED
    if status in SUBMITTED or not status:
        return WorkflowStatus.SUBMITTED
    return WorkflowStatus.RUNNING


def _refusal(exc: BaseException) -> Refusal | None:
    """As for any JSON API, plus GitHub's rate limits answered 403: a secondary limit with `Retry-After`,
    or the primary one (`x-ratelimit-remaining: 0`, waiting until `x-ratelimit-reset`, epoch seconds)."""
    if isinstance(exc, HttpFailure) and exc.status == 403:
        headers = {name.lower(): value for name, value in exc.headers.items()}
        if "retry-after" in headers:
            return Refusal(Trouble.RATE_LIMITED, retry_after(headers))
        if headers.get("x-ratelimit-remaining") == "0":
            reset = headers.get("x-ratelimit-reset", "")
            wait = max(float(reset) - time.time(), 0.0) if reset.isdigit() else None
            return Refusal(Trouble.RATE_LIMITED, wait)
    return refusal(exc)


def _problem(exc: Exception, workflow: GitHubWorkflow, missing: str) -> str:
    """What went wrong, for people; `missing` says what a 404 means for this request."""
    if not isinstance(exc, HttpFailure):
        if isinstance(exc, ValueError | KeyError | TypeError):
            return f"GitHub sent an answer the bot does not understand ({type(exc).__name__})"
        return "could not reach GitHub; check [github_actions] api_url and the network"
    if exc.status == 401:
        return "GitHub refused the token (401); check [github_actions] token"
    if _refusal(exc) is not None and exc.status in (403, 429):
        return f"GitHub is rate-limiting the bot (HTTP {exc.status}); try again in a few minutes"
    if exc.status == 403:
        return (
            f"the token may not do this in {workflow.repository} (403); it needs Actions read and write "
            "(a fine-grained token) or the repo and workflow scopes (a classic one)"
        )
    if exc.status == 404:
        return f"GitHub has {missing} (404)"
    if exc.status == 422:
        return f"GitHub refused the inputs: {exc.message or 'no reason given'} (422)"
    if exc.status >= 500:
        return f"GitHub is having trouble (HTTP {exc.status}); try again in a few minutes"
    return f"GitHub refused the request: {exc.message or 'no reason given'} (HTTP {exc.status})"


class GitHubActionsWorkflows:
    """`Workflows` over GitHub Actions' REST API."""

    name = "github_actions"

    def __init__(
        self, api_url: str, token: str, policy: RetryPolicy, find_waits: tuple[float, ...] = FIND_WAITS
    ) -> None:
        self._url = api_url.rstrip("/")
        self._find_waits = find_waits
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "dispatchbot",
        }
        self._api = JsonApi(PROVIDER, self.name, headers, policy, classify=_refusal)

    async def run(self, request: WorkflowRequest) -> WorkflowInstance:
        workflow = self._workflow(request)
        what = f"could not start {workflow.file} in {workflow.repository}"
        if len(request.params) > MAX_INPUTS:
            raise self._api.failure(
                what,
                f"GitHub takes at most {MAX_INPUTS} inputs and this run has {len(request.params)} "
                f"({', '.join(sorted(request.params))}); configure fewer parameters",
            )
        dispatched_at = datetime.now(UTC).replace(microsecond=0)
        body: dict[str, Any] = {
            "ref": workflow.ref,
            "inputs": dict(request.params),
            "return_run_details": True,
        }
        answer = await self._dispatch(workflow, what, body)
        if answer.status == 422:  # an older GitHub Enterprise that does not know return_run_details
            del body["return_run_details"]
            answer = await self._dispatch(workflow, what, body)
        details = answer.body if isinstance(answer.body, dict) else {}
        if details.get("workflow_run_id"):
            return WorkflowInstance(str(details["workflow_run_id"]), str(details.get("html_url") or ""))
        for wait in (*self._find_waits, None):
            found = await self._find(request, workflow, dispatched_at)
            if found is not None:
                return found
            if wait is not None:
                await asyncio.sleep(wait)
        raise ProviderUnavailable(
            PROVIDER,
            f"GitHub accepted the dispatch of {workflow.file} in {workflow.repository}, but its run did not "
            f"appear within {sum(self._find_waits):g} s; it is looked for again later",
            rate_limited=False,
        )

    async def find(self, request: WorkflowRequest, since: datetime) -> WorkflowInstance | None:
        return await self._find(request, self._workflow(request), since)

    async def get_instance(self, request: WorkflowRequest, instance_id: str) -> WorkflowState:
        workflow = self._workflow(request)
        base = f"{self._url}/repos/{workflow.repository}/actions/runs/{instance_id}"
        what = f"could not read run {instance_id} of {workflow.file} in {workflow.repository}"

        def problem(exc: Exception) -> str:
            return _problem(exc, workflow, f"no run {instance_id} in {workflow.repository}")

        answer = await self._api.call("GET", base, what=what, problem=problem)
        run = answer.body if isinstance(answer.body, dict) else {}
        status = status_of(run)
        html_url = str(run.get("html_url") or "")
        artifacts: tuple[Artifact, ...] = ()
        if status.finished:
            listed = await self._api.call(
                "GET", f"{base}/artifacts", what=what, problem=problem, params={"per_page": "100"}
            )
            artifacts = _artifacts(listed.body, html_url)
        return WorkflowState(status=status, weblink=html_url, artifacts=artifacts)

    # --------------------------------------------------------------- helpers

    @staticmethod
    def _workflow(request: WorkflowRequest) -> GitHubWorkflow:
        try:
            return parse_github_workflow(request.resource_id)
        except ValueError as exc:
            raise ProviderError(PROVIDER, str(exc)) from None

    def _workflow_url(self, workflow: GitHubWorkflow) -> str:
        return f"{self._url}/repos/{workflow.repository}/actions/workflows/{workflow.file}"

    def _missing_workflow(self, workflow: GitHubWorkflow) -> str:
        return (
            f"no workflow {workflow.file} in {workflow.repository}, or the token cannot see that repository"
        )

    async def _dispatch(self, workflow: GitHubWorkflow, what: str, body: dict[str, Any]) -> Answer:
        """The dispatch's answer; a 422 about `return_run_details` is handed back to ask again without it,
        any other refusal raised. Never retried after an answer that may mean it ran (see retries.py)."""

        def problem(exc: Exception) -> str:
            return _problem(exc, workflow, self._missing_workflow(workflow))

        answer = await self._api.call(
            "POST",
            f"{self._workflow_url(workflow)}/dispatches",
            what=what,
            problem=problem,
            body=body,
            idempotent=False,
            expect=(422,) if "return_run_details" in body else (),
        )
        if answer.status == 422 and "return_run_details" not in str(answer.body):
            raise self._api.failure(what, problem(HttpFailure(422, {}, answer.body)))
        return answer

    async def _find(
        self, request: WorkflowRequest, workflow: GitHubWorkflow, since: datetime
    ) -> WorkflowInstance | None:
        """The run of `request`, listed among the workflow's dispatched runs on its ref created since
        `since`: the oldest whose title contains the key, else the oldest."""
        answer = await self._api.call(
            "GET",
            f"{self._workflow_url(workflow)}/runs",
            what=f"could not list the runs of {workflow.file} in {workflow.repository}",
            problem=lambda exc: _problem(exc, workflow, self._missing_workflow(workflow)),
            params={
                "event": "workflow_dispatch",
                "branch": workflow.ref,
                "created": f">={since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
                "per_page": "100",
            },
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        runs = [run for run in body.get("workflow_runs") or [] if isinstance(run, dict) and run.get("id")]
        oldest_first = sorted(runs, key=lambda run: (str(run.get("created_at") or ""), int(run["id"])))
        keyed = [run for run in oldest_first if request.key in str(run.get("display_title") or "")]
        if not oldest_first:
            return None
        chosen = (keyed or oldest_first)[0]
        return WorkflowInstance(str(chosen["id"]), str(chosen.get("html_url") or ""))


def _artifacts(body: Any, run_url: str) -> tuple[Artifact, ...]:
    listed = body.get("artifacts") if isinstance(body, dict) else None
    return tuple(
        Artifact(
            name=str(item.get("name") or "artifact"),
            url=f"{run_url}/artifacts/{item['id']}",
            description=_size(item.get("size_in_bytes")),
        )
        for item in listed or []
        if isinstance(item, dict) and item.get("id") and not item.get("expired")
    )


def _size(value: object) -> str:
    if not isinstance(value, int):
        return ""
    if value < 1000:
        return f"{value} bytes"
    size = value / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def build(settings: Settings) -> Workflows | None:
    section = settings.github_actions
    token = section.token.get_secret_value() if section.token else ""
    if not token:
        return None
    return GitHubActionsWorkflows(section.api_url, token, RetryPolicy.from_settings(settings.providers))
