"""Live updates for open pages: the workspace's change notifications, coalesced, as server-sent events.

A page shows one person's sidebar, one channel, maybe a thread and a modal; it re-fetches those when
told "something changed in these channels / for these people". Bursts (the bot creating a channel,
inviting, posting, pinning) are gathered for a moment so a page re-renders once, not twenty times.
Reads the bot makes (`conversations.info`, `users.list`, ...) change nothing and are not announced.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from aiohttp import web

from dispatchbot.testing.slack.state import Change

GATHER_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0
_READS = (".info", ".list", ".history", ".replies", ".members", ".test", ".lookupByEmail", ".open")
"""Method name endings of Web API calls that only read (`apps.connections.open` included)."""
_WRITES_ANYWAY = {"views.open", "conversations.open"}


def is_visible(change: Change) -> bool:
    """Whether a page might show something different after ``change``."""
    source = change.source
    return source in _WRITES_ANYWAY or "." not in source or not source.endswith(_READS)


@dataclass(eq=False)
class Pending:
    """What one page has not been told yet; ``everything`` when a change named neither channel nor user."""

    channels: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    everything: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, change: Change) -> None:
        if change.channel:
            self.channels.add(change.channel)
        if change.user:
            self.users.add(change.user)
        if not change.channel and not change.user:
            self.everything = True
        self.ready.set()

    def take(self) -> str:
        message = json.dumps(
            {"channels": sorted(self.channels), "users": sorted(self.users), "everything": self.everything}
        )
        self.channels, self.users, self.everything = set(), set(), False
        self.ready.clear()
        return message


class ChangeFeed:
    """Fans the workspace's changes out to every connected page (``/api/events``)."""

    def __init__(self) -> None:
        self._pages: set[Pending] = set()
        self._closed = asyncio.Event()

    def __call__(self, change: Change) -> None:
        if is_visible(change):
            for page in self._pages:
                page.add(change)

    def close(self) -> None:
        """End every stream, so stopping the server does not wait for open pages."""
        self._closed.set()
        for page in self._pages:
            page.ready.set()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        page = Pending()
        self._pages.add(page)
        try:
            await response.write(b"retry: 1000\nevent: hello\ndata: {}\n\n")
            while not self._closed.is_set():
                try:
                    await asyncio.wait_for(page.ready.wait(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                await asyncio.sleep(GATHER_SECONDS)
                if self._closed.is_set():
                    break
                await response.write(f"event: changed\ndata: {page.take()}\n\n".encode())
        except ConnectionResetError:
            pass  # the page went away; it reconnects on its own
        finally:
            self._pages.discard(page)
        return response
