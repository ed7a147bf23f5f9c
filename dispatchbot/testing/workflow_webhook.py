"""``FakeWorkflowWebhook``: a workflow server speaking Netflix Dispatch's generic workflow plugin protocol,
which the `webhook` workflow provider talks to.

``POST <api_url>`` with ``{"workflow_id", "params"}`` starts a run, keyed by ``params["workflowInstanceId"]``
(a uuid when absent), and answers ``{"workflow_instance_id", "weblink"}``. ``GET <api_url>?workflow_id=…
&workflow_instance_id=…&tags=…`` answers ``{"status", "weblink", "artifacts": [...]}``, 404 for an
instance it never saw (looked up by ``workflow_instance_id``, else by the first of the ``tags`` that names
one). Every path answers alike, since `api_url` may be any path on a real server. The ``Authorization``
header must be exactly `auth_header` (401 otherwise).

A repeated POST with the same instance id is recorded again in `runs` (so a test sees a double start) but
does not reset that instance's status. Tests move runs on with `set_status`, refuse a workflow id with
`refuse`, and inject faults with `down`, `rate_limit` and `fail` (``method="GET"`` makes only status reads
fail: the "status unknown" case).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from dispatchbot.config.workflows import WebhookSettings
from dispatchbot.testing.vendor_server import VendorServer, json_body

JSON = dict[str, Any]

STATUSES = ("Submitted", "Running", "Completed", "Failed")
WEBLINK_BASE = "https://workflows.example.test/runs"


@dataclass(frozen=True)
class WebhookArtifact:
    name: str
    weblink: str
    description: str = ""


@dataclass(frozen=True)
class WebhookRun:
    """One POST as the server received it."""

    workflow_id: str
    params: JSON
    headers: dict[str, str]
    instance_id: str


@dataclass
class WebhookInstance:
    workflow_id: str
    instance_id: str
    weblink: str
    status: str = "Submitted"
    artifacts: list[WebhookArtifact] = field(default_factory=list)


class FakeWorkflowWebhook(VendorServer):
    def __init__(self, auth_header: str = "Bearer webhook-test-token") -> None:
        super().__init__(auth_header)
        self.auth_header = auth_header
        self.runs: list[WebhookRun] = []
        self.instances: dict[str, WebhookInstance] = {}
        self.status_queries: list[dict[str, list[str]]] = []
        """The query of every status GET that was answered, each key with all its values."""
        self._refused: dict[str, tuple[int, str]] = {}

    def settings(self) -> WebhookSettings:
        return WebhookSettings(api_url=self.api_url, auth_header=SecretStr(self.auth_header))

    # ------------------------------------------------------------------ controls

    def set_status(
        self, instance_id: str, status: str, artifacts: list[WebhookArtifact] | None = None
    ) -> None:
        """Move a run on (`status` one of Submitted, Running, Completed, Failed, or anything else to test
        an unknown one); `artifacts`, when given, replace the run's."""
        instance = self.instances[instance_id]
        instance.status = status
        if artifacts is not None:
            instance.artifacts = list(artifacts)

    def refuse(self, workflow_id: str, status: int = 404, message: str | None = None) -> None:
        """POSTs starting `workflow_id` answer `status` with `message`, until `accept` is called."""
        self._refused[workflow_id] = (status, message or f"Workflow {workflow_id} not found")

    def accept(self, workflow_id: str) -> None:
        self._refused.pop(workflow_id, None)

    def runs_of(self, instance_id: str) -> list[WebhookRun]:
        return [run for run in self.runs if run.instance_id == instance_id]

    # ------------------------------------------------------------------ plumbing

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/{path:.*}", self._start)
        app.router.add_get("/{path:.*}", self._status)

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == self.auth_header

    def error(self, status: int, message: str) -> web.Response:
        return web.json_response({"message": message}, status=status)

    async def _start(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        workflow_id = body.get("workflow_id")
        params = body.get("params")
        if not isinstance(workflow_id, str) or not workflow_id or not isinstance(params, dict):
            return self.error(400, "workflow_id (a string) and params (an object) are required")
        refused = self._refused.get(workflow_id)
        if refused is not None:
            return self.error(*refused)
        instance_id = str(params.get("workflowInstanceId") or uuid.uuid4())
        self.runs.append(WebhookRun(workflow_id, dict(params), dict(request.headers), instance_id))
        instance = self.instances.setdefault(
            instance_id, WebhookInstance(workflow_id, instance_id, f"{WEBLINK_BASE}/{instance_id}")
        )
        return web.json_response({"workflow_instance_id": instance_id, "weblink": instance.weblink})

    async def _status(self, request: web.Request) -> web.Response:
        self.status_queries.append({key: request.query.getall(key) for key in set(request.query)})
        instance = self._instance(request)
        if instance is None:
            return self.error(404, "Workflow instance not found")
        return web.json_response(
            {
                "status": instance.status,
                "weblink": instance.weblink,
                "artifacts": [
                    {"name": a.name, "weblink": a.weblink, "description": a.description}
                    for a in instance.artifacts
                ],
            }
        )

    def _instance(self, request: web.Request) -> WebhookInstance | None:
        workflow_id = request.query.get("workflow_id")
        instance_id = request.query.get("workflow_instance_id")
        candidates = [instance_id] if instance_id else request.query.getall("tags", [])
        for candidate in candidates:
            instance = self.instances.get(candidate)
            if instance is not None and (workflow_id is None or instance.workflow_id == workflow_id):
                return instance
        return None
