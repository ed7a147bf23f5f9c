"""``FakeGitHub``: the slice of GitHub's REST API (Actions) the `github_actions` workflow provider uses.

``POST /repos/{owner}/{repo}/actions/workflows/{file}/dispatches`` with ``{ref, inputs,
return_run_details}`` starts a run of a declared workflow and answers as GitHub does: 204, or 200
``{workflow_run_id, run_url, html_url}`` when ``return_run_details`` is true (since February 2026). Older
GitHub Enterprise Server does not know that field: `run_details` plays it, ``"ignored"`` (204 whatever
is asked) or ``"rejected"`` (422, as a server that validates the body against its older schema). The
refusals are GitHub's: 404 for an unknown repository or workflow file, 422 with GitHub's message for
inputs the workflow does not declare, a required input left out, more than 10 inputs, an unknown ref.

Runs are listed per workflow (newest first, filtered by ``event``, ``branch`` and ``created=>=…``), read
one by one, and list their artifacts. A run appears in listings only `run_delay` seconds after its
dispatch, as on GitHub, where the dispatch answers before the run exists. Its ``display_title`` is the
workflow's `run_name` with ``${{ inputs.x }}`` filled in, else the workflow's name.

The token is checked (``Authorization: Bearer <token>`` or ``token <token>``; 401 "Bad credentials").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import SecretStr

from dispatchbot.config.workflows import GitHubActionsSettings
from dispatchbot.testing.vendor_server import VendorServer, json_body

JSON = dict[str, Any]

WEB_URL = "https://github.example.test"
DOCS = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
MAX_INPUTS = 10
RunDetails = Literal["returned", "ignored", "rejected"]
INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")


@dataclass
class FakeWorkflow:
    repo: str
    file: str
    inputs: dict[str, bool]
    """Declared input names, each with whether it is required."""
    refs: tuple[str, ...]
    name: str
    run_name: str | None
    id: int


@dataclass(frozen=True)
class GitHubDispatch:
    """One dispatch GitHub accepted."""

    repo: str
    file: str
    ref: str
    inputs: dict[str, str]
    return_run_details: bool
    run_id: int


@dataclass
class FakeArtifact:
    id: int
    name: str
    size_in_bytes: int


@dataclass
class FakeRun:
    id: int
    workflow: FakeWorkflow
    ref: str
    inputs: dict[str, str]
    created_at: datetime
    visible_at: datetime
    display_title: str
    status: str = "queued"
    conclusion: str | None = None
    artifacts: list[FakeArtifact] = field(default_factory=list)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _created_filter(value: str) -> datetime | None:
    """GitHub's ``created`` search qualifier, in its ``>=<ISO 8601>`` form (the only one the fake needs)."""
    if not value.startswith(">="):
        return None
    moment = datetime.fromisoformat(value[2:].replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeGitHub(VendorServer):
    def __init__(self, token: str = "ghp_test_token") -> None:
        super().__init__(token)
        self.token = token
        self.workflows: dict[tuple[str, str], FakeWorkflow] = {}
        self.runs: dict[int, FakeRun] = {}
        self.dispatches: list[GitHubDispatch] = []
        self.run_details: RunDetails = "returned"
        """How the dispatch endpoint treats ``return_run_details``: github.com returns them; older GitHub
        Enterprise Server ignores the field (204) or rejects it (422)."""
        self.run_delay = 0.0
        """Seconds after its dispatch before a run shows in listings."""
        self._next_id = 1000

    def settings(self) -> GitHubActionsSettings:
        return GitHubActionsSettings(api_url=self.api_url, token=SecretStr(self.token))

    # ------------------------------------------------------------------ controls

    def declare_workflow(
        self,
        repo: str,
        file: str,
        inputs: dict[str, bool] | None = None,
        *,
        refs: tuple[str, ...] = ("main",),
        name: str | None = None,
        run_name: str | None = None,
    ) -> FakeWorkflow:
        """A workflow file with ``on: workflow_dispatch`` in `repo` ("owner/name"), declaring `inputs`
        ({name: required}), on the branches or tags `refs`; `run_name` is its ``run-name:`` line."""
        self._next_id += 1
        workflow = FakeWorkflow(
            repo, file, dict(inputs or {}), refs, name or file.rsplit(".", 1)[0], run_name, self._next_id
        )
        self.workflows[(repo, file)] = workflow
        return workflow

    def advance(self, run_id: int, status: str, conclusion: str | None = None) -> None:
        """Move a run on: status queued, in_progress, completed (with a conclusion: success, failure,
        cancelled, …) or waiting, requested, pending."""
        run = self.runs[run_id]
        run.status = status
        run.conclusion = conclusion

    def add_artifact(self, run_id: int, name: str, size_in_bytes: int = 1024) -> FakeArtifact:
        self._next_id += 1
        artifact = FakeArtifact(self._next_id, name, size_in_bytes)
        self.runs[run_id].artifacts.append(artifact)
        return artifact

    def html_url(self, run: FakeRun) -> str:
        return f"{WEB_URL}/{run.workflow.repo}/actions/runs/{run.id}"

    def run_of(self, dispatch: GitHubDispatch) -> FakeRun:
        return self.runs[dispatch.run_id]

    # ------------------------------------------------------------------ plumbing

    def add_routes(self, app: web.Application) -> None:
        workflow = "/repos/{owner}/{repo}/actions/workflows/{file}"
        app.router.add_post(f"{workflow}/dispatches", self._dispatch)
        app.router.add_get(f"{workflow}/runs", self._list_runs)
        app.router.add_get("/repos/{owner}/{repo}/actions/runs/{run_id}", self._get_run)
        app.router.add_get("/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts", self._list_artifacts)

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") in (f"Bearer {self.token}", f"token {self.token}")

    def error(self, status: int, message: str) -> web.Response:
        if status == 401:
            message = "Bad credentials"
        return web.json_response({"message": message, "documentation_url": DOCS}, status=status)

    def _workflow(self, request: web.Request) -> FakeWorkflow | None:
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        return self.workflows.get((repo, request.match_info["file"]))

    def _run(self, request: web.Request) -> FakeRun | None:
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        run_id = request.match_info["run_id"]
        run = self.runs.get(int(run_id)) if run_id.isdigit() else None
        return run if run is not None and run.workflow.repo == repo else None

    def _run_json(self, run: FakeRun) -> JSON:
        api = f"{self.api_url}/repos/{run.workflow.repo}/actions/runs/{run.id}"
        return {
            "id": run.id,
            "name": run.workflow.name,
            "display_title": run.display_title,
            "event": "workflow_dispatch",
            "status": run.status,
            "conclusion": run.conclusion,
            "head_branch": run.ref,
            "path": f".github/workflows/{run.workflow.file}",
            "workflow_id": run.workflow.id,
            "run_number": run.id,
            "url": api,
            "html_url": self.html_url(run),
            "artifacts_url": f"{api}/artifacts",
            "created_at": _iso(run.created_at),
            "updated_at": _iso(run.created_at),
        }

    # ------------------------------------------------------------------ routes

    async def _dispatch(self, request: web.Request) -> web.Response:
        workflow = self._workflow(request)
        if workflow is None:
            return self.error(404, "Not Found")
        body = await json_body(request)
        details = body.get("return_run_details") is True
        if "return_run_details" in body and self.run_details == "rejected":
            return self.error(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
        ref = str(body.get("ref") or "")
        if not ref:
            return self.error(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
        raw_inputs = body.get("inputs") or {}
        if not isinstance(raw_inputs, dict):
            return self.error(422, "Invalid request.\n\nFor 'properties/inputs', is not an object.")
        inputs = {str(key): str(value) for key, value in raw_inputs.items()}
        refused = self._refusal(workflow, ref, inputs)
        if refused is not None:
            return self.error(422, refused)
        now = datetime.now(UTC)
        self._next_id += 1
        run = FakeRun(
            id=self._next_id,
            workflow=workflow,
            ref=ref,
            inputs=inputs,
            created_at=now,
            visible_at=datetime.fromtimestamp(now.timestamp() + self.run_delay, UTC),
            display_title=INPUT_EXPRESSION.sub(lambda m: inputs.get(m[1], ""), workflow.run_name)
            if workflow.run_name
            else workflow.name,
        )
        self.runs[run.id] = run
        self.dispatches.append(GitHubDispatch(workflow.repo, workflow.file, ref, inputs, details, run.id))
        if not details or self.run_details != "returned":
            return web.Response(status=204)
        run_json = self._run_json(run)
        return web.json_response(
            {"workflow_run_id": run.id, "run_url": run_json["url"], "html_url": run_json["html_url"]}
        )

    @staticmethod
    def _refusal(workflow: FakeWorkflow, ref: str, inputs: dict[str, str]) -> str | None:
        """GitHub's 422 message for a dispatch it will not start, or None."""
        if len(inputs) > MAX_INPUTS:
            return f"inputs are too large. You can pass a maximum of {MAX_INPUTS} properties."
        if ref not in workflow.refs:
            return f"No ref found for: {ref}"
        unexpected = sorted(set(inputs) - set(workflow.inputs))
        if unexpected:
            return "Unexpected inputs provided: [" + ", ".join(f'"{name}"' for name in unexpected) + "]"
        missing = [name for name, required in workflow.inputs.items() if required and not inputs.get(name)]
        if missing:
            return f"Required input '{missing[0]}' not provided"
        return None

    async def _list_runs(self, request: web.Request) -> web.Response:
        workflow = self._workflow(request)
        if workflow is None:
            return self.error(404, "Not Found")
        now = datetime.now(UTC)
        event = request.query.get("event")
        branch = request.query.get("branch")
        created = _created_filter(request.query.get("created", ""))
        per_page = int(request.query.get("per_page", "30"))
        found = [
            run
            for run in self.runs.values()
            if run.workflow is workflow
            and run.visible_at <= now
            and event in (None, "workflow_dispatch")
            and branch in (None, run.ref)
            and (created is None or run.created_at >= created)
        ]
        newest = sorted(found, key=lambda run: (run.created_at, run.id), reverse=True)
        return web.json_response(
            {"total_count": len(newest), "workflow_runs": [self._run_json(run) for run in newest[:per_page]]}
        )

    async def _get_run(self, request: web.Request) -> web.Response:
        run = self._run(request)
        if run is None:
            return self.error(404, "Not Found")
        return web.json_response(self._run_json(run))

    async def _list_artifacts(self, request: web.Request) -> web.Response:
        run = self._run(request)
        if run is None:
            return self.error(404, "Not Found")
        api = f"{self.api_url}/repos/{run.workflow.repo}/actions/artifacts"
        artifacts = [
            {
                "id": artifact.id,
                "name": artifact.name,
                "size_in_bytes": artifact.size_in_bytes,
                "url": f"{api}/{artifact.id}",
                "archive_download_url": f"{api}/{artifact.id}/zip",
                "expired": False,
                "created_at": _iso(run.created_at),
                "workflow_run": {"id": run.id, "head_branch": run.ref},
            }
            for artifact in run.artifacts
        ]
        return web.json_response({"total_count": len(artifacts), "artifacts": artifacts})
