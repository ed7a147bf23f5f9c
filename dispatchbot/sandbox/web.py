"""The sandbox's web UI: the static page, HTML fragments for one person, their actions, live changes.

Every request says who it acts as (`as`, a user id), since two tabs may act as two people. Posts must be
JSON, which a page on another site cannot send here without a CORS preflight this server never grants,
and the Host must be local, so another site (or a DNS rebinding) cannot drive the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any

from aiohttp import web

from dispatchbot.sandbox import acting
from dispatchbot.sandbox.changes import ChangeFeed
from dispatchbot.sandbox.render import pages
from dispatchbot.sandbox.visibility import ReadMarks
from dispatchbot.testing.local_server import Handler, LocalServer
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.server import FakeSlack
from dispatchbot.testing.slack.state import User

_STATIC = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}
MAX_LIMIT = 5000


def _static(name: str) -> str:
    return resources.files("dispatchbot.sandbox").joinpath("static", name).read_text(encoding="utf-8")


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; anything else is refused (the guard answers 400 with the reason)."""
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise ClientRefused("send a JSON object")
    return body


def _html(fragment: str) -> web.Response:
    return web.Response(text=fragment, content_type="text/html", headers={"Cache-Control": "no-store"})


class SandboxWeb(LocalServer):
    """Serves the UI for ``fake`` on 127.0.0.1; ``commands`` are the bot's slash commands, for the
    composer's completion and to refuse others as Slack does."""

    def __init__(self, fake: FakeSlack, commands: Sequence[str]) -> None:
        super().__init__()
        self.fake = fake
        self.commands = list(commands)
        self.changes = ChangeFeed()
        self.marks = ReadMarks()
        fake.workspace.listeners.append(self.changes)

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        get, post = app.router.add_get, app.router.add_post
        get("/", self.index)
        get("/static/{name}", self.asset)
        get("/api/session", self.session)
        get("/api/events", self.changes.stream)
        get("/api/sidebar", self._fragment(self._sidebar))
        get("/api/channel/{channel}", self._fragment(self._channel))
        get("/api/thread/{channel}/{ts}", self._fragment(self._thread))
        get("/api/modal", self._fragment(lambda r, u: pages.modal(self.fake.workspace, u)))
        get("/api/home", self._fragment(lambda r, u: pages.home(self.fake.workspace, u)))
        post("/api/send", self._action(self._send))
        post("/api/action", self._action(lambda u, b: acting.act(self.fake, u, b)))
        post(
            "/api/submit",
            self._action(lambda u, b: acting.submit(self.fake, u, str(b.get("view_id")), b.get("values"))),
        )
        post("/api/close", self._action(lambda u, b: acting.close(self.fake, u, str(b.get("view_id")))))
        post("/api/react", self._action(self._react))
        post("/api/join", self._action(lambda u, b: acting.join(self.fake, u, str(b.get("channel")))))
        post("/api/home", self._action(lambda u, b: acting.open_home(self.fake, u)))
        return app

    async def stop(self) -> None:
        self.changes.close()
        await super().stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.url.host not in _LOCAL_HOSTS:
            return web.Response(status=403, text="the sandbox answers only on 127.0.0.1 and localhost")
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        try:
            return await handler(request)
        except ClientRefused as exc:
            return web.json_response({"error": str(exc)}, status=400)

    # ---------------------------------------------------------------- pages

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=_static("index.html"), content_type="text/html")

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise web.HTTPNotFound()
        return web.Response(text=_static(name), content_type=_STATIC[name])

    async def session(self, request: web.Request) -> web.Response:
        """Who one can act as, the app's commands, and where to start (#general)."""
        ws = self.fake.workspace
        general = ws.channel_by_name("general")
        return web.json_response(
            {
                "people": [{"id": u.id, "name": u.name, "real_name": u.real_name} for u in pages.people(ws)],
                "commands": self.commands,
                "start": general.id if general is not None else "",
            }
        )

    def _viewer(self, request: web.Request) -> User:
        return acting.person(self.fake, request.query.get("as", "")).user

    def _fragment(self, render: Callable[[web.Request, User], str]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return _html(render(request, self._viewer(request)))

        return handle

    def _sidebar(self, request: web.Request, user: User) -> str:
        """``open``: the channel the page shows, which it is about to mark read."""
        return pages.sidebar(self.fake.workspace, user, self.marks, request.query.get("open", ""))

    def _channel(self, request: web.Request, user: User) -> str:
        try:
            limit = min(max(int(request.query.get("limit", "100")), 1), MAX_LIMIT)
        except ValueError:
            limit = 100
        return pages.channel(self.fake.workspace, user, request.match_info["channel"], limit, self.marks)

    def _thread(self, request: web.Request, user: User) -> str:
        info = request.match_info
        return pages.thread(self.fake.workspace, user, info["channel"], info["ts"])

    # --------------------------------------------------------------- actions

    def _action(self, act: Callable[[str, dict[str, Any]], Awaitable[None]]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await json_object(request)
            await act(str(body.get("as", "")), body)
            return web.json_response({"ok": True})

        return handle

    async def _send(self, user_id: str, body: dict[str, Any]) -> None:
        await acting.send(
            self.fake,
            user_id,
            str(body.get("channel", "")),
            str(body.get("text", "")),
            self.commands,
            thread_ts=str(body.get("thread") or ""),
        )

    async def _react(self, user_id: str, body: dict[str, Any]) -> None:
        await acting.react(
            self.fake,
            user_id,
            str(body.get("channel", "")),
            str(body.get("ts", "")),
            str(body.get("name", "")),
        )
