"""What both delivery modes (Socket Mode, HTTP) report back for one envelope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]

EVENTS_API = "events_api"
SLASH_COMMANDS = "slash_commands"
INTERACTIVE = "interactive"


@dataclass
class Ack:
    """The app's answer to one delivery.

    ``ok`` is False when the app never acked in time (Slack would show the person an error, or retry
    an event). ``payload`` is the ack body (``{"response_action": ...}``, ``{"text": ...}``), ``status``
    is the HTTP status in HTTP mode, ``latency`` the seconds from sending to the ack.
    """

    envelope_id: str
    type: str
    body: JSON
    ok: bool = False
    latency: float | None = None
    payload: JSON | None = None
    status: int | None = None
    retry_attempt: int = 0
    retry_reason: str = ""
    envelope: JSON = field(default_factory=dict)


class Delivery(Protocol):
    """A way of handing envelopes to the app: Socket Mode or signed HTTP POSTs."""

    async def deliver(self, kind: str, body: JSON) -> Ack: ...

    async def close(self) -> None: ...
