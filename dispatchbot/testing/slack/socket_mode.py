"""Socket Mode as Slack runs it: tickets from ``apps.connections.open``, a ``hello`` per connection,
pong for every ping, envelopes spread round-robin over the app's open connections, acks matched by
``envelope_id``, and redelivery of unacked ``events_api`` envelopes.

Redelivery is why bots must dedupe on ``event_id``: each attempt gets a new ``envelope_id`` while the
event keeps its ``event_id``, with ``retry_attempt``/``retry_reason`` set. Interactive and slash
command envelopes are never redelivered; the person just sees a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from dispatchbot.testing.slack.delivery import EVENTS_API, JSON, Ack

CLOSE_SECONDS = 2.0
"""How long stopping waits for a client to answer the close frame (aiohttp alone waits 10 s)."""


class SocketMode:
    """The ``/link/`` WebSocket endpoint and envelope delivery over it."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.base_ws_url = ""
        self.ack_timeout = 3.0
        """How long a slash command or interaction waits for its ack (Slack: 3 s)."""
        self.redelivery_timeout = 3.0
        """How long an event waits for its ack before Slack sends it again."""
        self.max_retries = 3
        self.answer_pings = True
        """Set False to simulate a half-dead link: the client's pings go unanswered."""
        self.acks: list[Ack] = []
        """Every ack received, including late ones, in arrival order."""
        self.envelopes: list[JSON] = []
        """Every envelope sent, in order (redeliveries included)."""
        self._tickets: set[str] = set()
        self._connections: list[web.WebSocketResponse] = []
        self._requests: dict[int, web.Request] = {}
        self._next = 0
        self._ever_connected = False
        self._pending: dict[str, tuple[asyncio.Future[Ack], Ack, float]] = {}
        self._connections_changed = asyncio.Condition()

    # ------------------------------------------------------------- connections

    def new_url(self) -> str:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return f"{self.base_ws_url}?ticket={ticket}"

    @property
    def connection_count(self) -> int:
        return sum(1 for ws in self._connections if not ws.closed)

    async def wait_connected(self, n: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - public API
        """Wait until at least ``n`` connections are open (e.g. after a reconnect)."""
        async with asyncio.timeout(timeout), self._connections_changed:
            await self._connections_changed.wait_for(lambda: self.connection_count >= n)

    async def _notify_connections(self) -> None:
        async with self._connections_changed:
            self._connections_changed.notify_all()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self._connections.append(ws)
        self._requests[id(ws)] = request
        self._ever_connected = True
        await self._notify_connections()
        try:
            await ws.send_json(
                {
                    "type": "hello",
                    "num_connections": self.connection_count,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 3600,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
            async for message in ws:
                if message.type == WSMsgType.PING and self.answer_pings:
                    await ws.pong(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._on_ack(json.loads(message.data))
        finally:
            self._connections.remove(ws)
            self._requests.pop(id(ws), None)
            await self._notify_connections()
        return ws

    def _on_ack(self, data: JSON) -> None:
        pending = self._pending.pop(str(data.get("envelope_id")), None)
        if pending is None:
            return
        future, ack, sent_at = pending
        ack.ok = True
        ack.latency = time.perf_counter() - sent_at
        ack.payload = data.get("payload")
        self.acks.append(ack)
        if not future.done():
            future.set_result(ack)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to reconnect, as Slack does before rotating its servers."""
        for ws in list(self._connections):
            if not ws.closed:
                await ws.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
                )

    async def drop_connections(self) -> None:
        """Cut every connection without a close frame, like a network failure; returns once the
        server side has noticed, so nothing is sent into a dead socket afterwards."""
        dropped = list(self._connections)
        for ws in dropped:
            request = self._requests.get(id(ws))
            if request is not None and request.transport is not None:
                request.transport.abort()
        async with asyncio.timeout(5.0), self._connections_changed:
            await self._connections_changed.wait_for(
                lambda: not any(ws in self._connections for ws in dropped)
            )

    async def close(self) -> None:
        """Close every connection (bounded: a client that never answers the close frame is cut off)."""
        await asyncio.gather(*(self._close(ws) for ws in list(self._connections)))
        for future, _, _ in self._pending.values():
            future.cancel()
        self._pending.clear()

    async def _close(self, ws: web.WebSocketResponse) -> None:
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"fake slack stopping")
        except TimeoutError:
            request = self._requests.get(id(ws))
            if request is not None and request.transport is not None:
                request.transport.abort()

    # ---------------------------------------------------------------- delivery

    async def deliver(self, kind: str, body: JSON) -> Ack:
        """Send one envelope; events are redelivered up to ``max_retries`` times while unacked.

        Before any app has ever connected nobody is listening, so the envelope is dropped at once
        (``ok=False``); that keeps Web-API-only tests from waiting out retries. Once an app has
        connected, an attempt waits (within its timeout) for a connection, e.g. during a reconnect.
        """
        if not self._ever_connected:
            return Ack(envelope_id="", type=kind, body=body)
        ack = await self._send(kind, body, retry_attempt=0, retry_reason="")
        while not ack.ok and kind == EVENTS_API and ack.retry_attempt < self.max_retries:
            ack = await self._send(kind, body, retry_attempt=ack.retry_attempt + 1, retry_reason="timeout")
        return ack

    async def redeliver(self, envelope: Ack | Mapping[str, Any], reason: str = "timeout") -> Ack:
        """Send an already delivered envelope again, as Slack occasionally does even after an ack."""
        sent = envelope.envelope if isinstance(envelope, Ack) else envelope
        return await self._send(
            str(sent["type"]),
            dict(sent["payload"]),
            retry_attempt=int(sent.get("retry_attempt", 0)) + 1,
            retry_reason=reason,
        )

    async def _send(self, kind: str, body: JSON, *, retry_attempt: int, retry_reason: str) -> Ack:
        timeout = self.redelivery_timeout if kind == EVENTS_API else self.ack_timeout
        envelope: JSON = {
            "envelope_id": str(uuid.uuid4()),
            "payload": body,
            "type": kind,
            "accepts_response_payload": kind != EVENTS_API,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        ack = Ack(
            envelope_id=envelope["envelope_id"],
            type=kind,
            body=body,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            envelope=envelope,
        )
        deadline = time.monotonic() + timeout
        ws = await self._pick_connection(deadline)
        if ws is None:
            return ack
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[ack.envelope_id] = (future, ack, time.perf_counter())
        self.envelopes.append(envelope)
        with contextlib.suppress(ConnectionError):
            await ws.send_json(envelope)
        # On timeout the entry stays pending, so a late ack is still recorded in ``acks``.
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - time.monotonic()))
        return dataclasses.replace(ack)

    async def _pick_connection(self, deadline: float) -> web.WebSocketResponse | None:
        """Round-robin over open connections, waiting (until ``deadline``) for one to exist."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())), self._connections_changed:
                await self._connections_changed.wait_for(lambda: self.connection_count > 0)
        open_ = [ws for ws in self._connections if not ws.closed]
        if not open_:
            return None
        self._next += 1
        return open_[self._next % len(open_)]
