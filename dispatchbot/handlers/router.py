"""One bolt listener per kind of request, dispatching by name in a dictionary.

Bolt tries its listeners in order and builds an argument dictionary for every one it tries, about
40 µs each; with fifty listeners that was the largest cost of an ack under a burst. The router
registers a single catch-all listener per kind (command, action, view submission, shortcut, event)
and finds the handler by its command name, action id, callback id or event type in O(1). A request
no handler claims goes to the kind's fallback, so it is still acknowledged.

Handlers keep bolt's style: async functions whose parameter names say what they need, any of
`ack`, `body`, `view`, `event`, `action` and `respond`. Given the bot's HTTP session, `respond` reuses
its kept-alive connections (see `respond.py`).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from dispatchbot.handlers.respond import SessionRespond

Handler = Callable[..., Awaitable[Any]]
HandlerT = TypeVar("HandlerT", bound=Handler)

KINDS = ("command", "action", "view", "shortcut", "event")
ARGUMENTS = frozenset({"ack", "body", "view", "event", "action", "respond"})
ANYTHING = re.compile(".*")


class Router:
    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._routes: dict[tuple[str, str], tuple[Handler, frozenset[str]]] = {}
        self._fallbacks: dict[str, tuple[Handler, frozenset[str]]] = {}
        self._session = session

    def command(self, name: str) -> Callable[[HandlerT], HandlerT]:
        return self._on("command", name)

    def action(self, action_id: str) -> Callable[[HandlerT], HandlerT]:
        return self._on("action", action_id)

    def view(self, callback_id: str) -> Callable[[HandlerT], HandlerT]:
        return self._on("view", callback_id)

    def shortcut(self, callback_id: str) -> Callable[[HandlerT], HandlerT]:
        return self._on("shortcut", callback_id)

    def event(self, event_type: str) -> Callable[[HandlerT], HandlerT]:
        return self._on("event", event_type)

    def fallback(self, kind: str) -> Callable[[HandlerT], HandlerT]:
        """The handler for requests of `kind` that no route claims."""

        def register(handler: HandlerT) -> HandlerT:
            self._fallbacks[kind] = (handler, _wanted(handler))
            return handler

        return register

    def attach(self, app: AsyncApp) -> None:
        """Register the five catch-all listeners on the bolt app."""

        @app.command(ANYTHING)
        async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await self._dispatch("command", str(body.get("command", "")), ack, body, respond)

        @app.action(ANYTHING)
        async def on_action(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            action = (body.get("actions") or [{}])[0]
            await self._dispatch("action", str(action.get("action_id", "")), ack, body, respond)

        @app.view(ANYTHING)
        async def on_view(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await self._dispatch("view", str(body["view"].get("callback_id", "")), ack, body, respond)

        @app.shortcut(ANYTHING)
        async def on_shortcut(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await self._dispatch("shortcut", str(body.get("callback_id", "")), ack, body, respond)

        @app.event(ANYTHING)
        async def on_event(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await self._dispatch("event", str(body["event"].get("type", "")), ack, body, respond)

    def _on(self, kind: str, key: str) -> Callable[[HandlerT], HandlerT]:
        def register(handler: HandlerT) -> HandlerT:
            if (kind, key) in self._routes:
                raise ValueError(f"two handlers for the {kind} {key!r}")
            self._routes[(kind, key)] = (handler, _wanted(handler))
            return handler

        return register

    async def _dispatch(
        self, kind: str, key: str, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        route = self._routes.get((kind, key)) or self._fallbacks.get(kind)
        if route is None:
            await ack()
            return
        handler, wanted = route
        if "respond" in wanted and self._session is not None:
            respond = SessionRespond(respond.response_url, self._session)
        available: dict[str, Any] = {"ack": ack, "body": body, "respond": respond}
        if "view" in wanted:
            available["view"] = body.get("view")
        if "event" in wanted:
            available["event"] = body.get("event")
        if "action" in wanted:
            available["action"] = (body.get("actions") or [{}])[0]
        await handler(**{name: available[name] for name in wanted})


def _wanted(handler: Handler) -> frozenset[str]:
    names = frozenset(inspect.signature(handler).parameters)
    unknown = names - ARGUMENTS
    if unknown:
        raise TypeError(f"{handler.__name__} asks for {sorted(unknown)}; handlers take {sorted(ARGUMENTS)}")
    return names
