"""The Retry button the pinned header shows under a document that could not be made."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.documents import read_retry_value
from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import incident_documents
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.RETRY_RESOURCE)
    async def on_retry(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Checked before the ack (a refusal is shown); the failed documents are made again by a run."""
        incident_id, _kind = read_retry_value(str(action.get("value", "")))
        await incident_documents.retry(deps, incident_id, body["user"]["id"])
        await ack()
