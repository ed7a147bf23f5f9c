"""The `webhook` workflow provider, wire-compatible with Netflix Dispatch's generic workflow plugin, so a
workflow server written for Dispatch works unchanged.

A run is ``POST <api_url>`` with ``{"workflow_id": <resource_id>, "params": {...}}`` and the configured
``Authorization`` header (none when `auth_header` is empty). The run's instance id is
``params["workflowInstanceId"]`` (the caller puts the run's key there; when it did not, the key is added
under that name), so the server and we name the run alike before it answers, and `find` can ask for it
after a crash. Its status is ``GET <api_url>`` with ``workflow_id``, ``workflow_instance_id`` and
``tags`` (repeated) answering ``{"status", "weblink", "artifacts": [{"name", "weblink", "description"}]}``;
a 404 there means the server never got the run.

Statuses are read case-insensitively: Dispatch's Submitted, Running, Completed and Failed, plus the usual
synonyms (queued, in_progress, success, error, cancelled, …). Anything else counts as submitted — not
finished, so polling goes on — rather than guessing an outcome the server did not state.

Starting a run is not retried after an answer that may mean it was carried out (500, 502, 504, a lost
connection): the caller's durable run asks `find` first on its next attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatchbot.config import Settings
from dispatchbot.providers.http_api import Answer, HttpFailure, JsonApi, server_message
from dispatchbot.providers.retries import RetryPolicy
from dispatchbot.providers.workflows import (
    Artifact,
    WorkflowInstance,
    WorkflowRequest,
    Workflows,
    WorkflowState,
    WorkflowStatus,
)

PROVIDER = "Workflow webhook"
INSTANCE_PARAM = "workflowInstanceId"
STATUSES = {
    WorkflowStatus.SUBMITTED: ("submitted", "queued", "pending", "scheduled"),
    WorkflowStatus.RUNNING: ("running", "in_progress", "started"),
    WorkflowStatus.COMPLETED: ("completed", "succeeded", "success", "done"),
    WorkflowStatus.FAILED: ("failed", "failure", "error", "cancelled", "canceled", "aborted", "timed_out"),
}
STATUS_BY_WORD = {word: status for status, words in STATUSES.items() for word in words}


def instance_id(request: WorkflowRequest) -> str:
    return request.params.get(INSTANCE_PARAM) or request.key


def status_of(value: object) -> WorkflowStatus:
    """The server's status word as a `WorkflowStatus`; an unknown word is submitted (see the module)."""
    word = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    return STATUS_BY_WORD.get(word, WorkflowStatus.SUBMITTED)


def artifacts_of(value: object) -> tuple[Artifact, ...]:
    """Dispatch's `{name, weblink, description}` artifacts; entries without a link are left out."""
    if not isinstance(value, list):
        return ()
    return tuple(
        Artifact(
            name=str(item.get("name") or "artifact"),
            url=str(item["weblink"]),
            description=str(item.get("description") or ""),
        )
        for item in value
        if isinstance(item, dict) and item.get("weblink")
    )


def _problem(exc: Exception) -> str:
    if not isinstance(exc, HttpFailure):
        if isinstance(exc, ValueError | KeyError | TypeError):
            return f"the workflow server sent an answer the bot does not understand ({type(exc).__name__})"
        return "could not reach the workflow server; check [webhook] api_url and the network"
    said = _said(exc.body)
    if exc.status in (401, 403):
        return (
            f"the workflow server refused the Authorization header (HTTP {exc.status}); "
            "check [webhook] auth_header"
        )
    if exc.status == 429:
        return "the workflow server is rate-limiting the bot (HTTP 429); try again in a minute"
    if exc.status >= 500:
        return f"the workflow server is having trouble (HTTP {exc.status}){said}"
    return f"the workflow server refused the request (HTTP {exc.status}){said}"


class WebhookWorkflows:
    """`Workflows` over Dispatch's generic workflow protocol."""

    name = "webhook"

    def __init__(self, api_url: str, auth_header: str, policy: RetryPolicy) -> None:
        self._url = api_url
        headers = {"Accept": "application/json"}
        if auth_header:
            headers["Authorization"] = auth_header
        self._api = JsonApi(PROVIDER, self.name, headers, policy)

    async def run(self, request: WorkflowRequest) -> WorkflowInstance:
        run_id = instance_id(request)
        what = f"could not start workflow {request.resource_id}"
        answer = await self._api.call(
            "POST",
            self._url,
            what=what,
            problem=_problem,
            body={"workflow_id": request.resource_id, "params": {INSTANCE_PARAM: run_id, **request.params}},
            idempotent=False,
        )
        started = answer.body if isinstance(answer.body, dict) else {}
        return WorkflowInstance(
            instance_id=str(started.get("workflow_instance_id") or run_id),
            weblink=str(started.get("weblink") or ""),
        )

    async def find(self, request: WorkflowRequest, since: datetime) -> WorkflowInstance | None:
        run_id = instance_id(request)
        answer = await self._status(request, run_id, expect=(404,))
        if answer.status == 404:
            return None
        return WorkflowInstance(run_id, _state(answer).weblink)

    async def get_instance(self, request: WorkflowRequest, instance_id: str) -> WorkflowState:
        answer = await self._status(request, instance_id, expect=(404,))
        if answer.status == 404:
            problem = f"the workflow server has no such run (HTTP 404){_said(answer.body)}"
            raise self._api.failure(self._reading(request, instance_id), problem)
        return _state(answer)

    async def _status(self, request: WorkflowRequest, run_id: str, *, expect: tuple[int, ...]) -> Answer:
        query = [
            ("workflow_id", request.resource_id),
            ("workflow_instance_id", run_id),
            *(("tags", tag) for tag in request.tags),
        ]
        return await self._api.call(
            "GET",
            self._url,
            what=self._reading(request, run_id),
            problem=_problem,
            params=query,
            expect=expect,
        )

    @staticmethod
    def _reading(request: WorkflowRequest, run_id: str) -> str:
        return f"could not read run {run_id} of workflow {request.resource_id}"


def _said(body: Any) -> str:
    message = server_message(body)
    return f": {message}" if message else ""


def _state(answer: Answer) -> WorkflowState:
    body: dict[str, Any] = answer.body if isinstance(answer.body, dict) else {}
    return WorkflowState(
        status=status_of(body.get("status")),
        weblink=str(body.get("weblink") or ""),
        artifacts=artifacts_of(body.get("artifacts")),
    )


def build(settings: Settings) -> Workflows | None:
    section = settings.webhook
    if not section.api_url:
        return None
    auth_header = section.auth_header.get_secret_value() if section.auth_header else ""
    return WebhookWorkflows(section.api_url, auth_header, RetryPolicy.from_settings(settings.providers))
