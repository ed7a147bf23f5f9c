"""The alerts and pager panels' HTTP API, beside the workspace UI.

Both act from outside the bot, the way the real senders do: a sample alert is POSTed to the bot's
`/alerts/{source}` over HTTP with the source's token, and Acknowledge or Resolve is a PUT on the
PagerDuty fake's own REST API (over its HTTPS, trusting its CA) with the acting person's email in
`From`, as a responder's PagerDuty app would. The bot learns of it by polling, as it does in production.
`SandboxWithPanels` is the UI server with these routes added; it keeps the UI's guard (local Host,
JSON posts) for them too.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from dispatchbot.sandbox import acting
from dispatchbot.sandbox.render import panels as render
from dispatchbot.sandbox.samples import SAMPLES
from dispatchbot.sandbox.vendors import ALERT_SOURCE, Vendors
from dispatchbot.sandbox.web import SandboxWeb, json_object
from dispatchbot.testing.local_server import Handler
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.server import FakeSlack

SEND_SECONDS = 10.0
PD_STATUSES = {"acknowledge": "acknowledged", "resolve": "resolved"}


class SandboxWithPanels(SandboxWeb):
    """The sandbox UI plus the panels; ``bot_url`` is the bot's own HTTP server (where alerts go)."""

    def __init__(self, fake: FakeSlack, commands: Sequence[str], vendors: Vendors, bot_url: str) -> None:
        super().__init__(fake, commands)
        self.vendors = vendors
        self.bot_url = bot_url.rstrip("/")

    def application(self) -> web.Application:
        app = super().application()
        get, post = app.router.add_get, app.router.add_post
        get("/panels/panels.js", self._script)
        get("/api/panels/alerts", self._fragment(lambda r, u: render.alerts(SAMPLES, ALERT_SOURCE)))
        get("/api/panels/pager", self._fragment(lambda r, u: self._pager()))
        post("/api/panels/alert", self._answer(self._send_alert))
        post("/api/panels/page", self._answer(self._act_on_page))
        return app

    async def _script(self, request: web.Request) -> web.Response:
        script = resources.files("dispatchbot.sandbox").joinpath("static", "panels.js").read_text("utf-8")
        return web.Response(text=script, content_type="text/javascript")

    def _pager(self) -> str:
        pd = self.vendors.pagerduty
        names = {u.email: u.real_name or u.name for u in self.fake.workspace.users.values() if u.email}
        return render.pager(None if pd is None else pd.incidents, names)

    @staticmethod
    def _answer(act: Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]) -> Handler:
        """A JSON POST answered with what the other side said: ``{"status", "answer"}``."""

        async def handle(request: web.Request) -> web.StreamResponse:
            status, answer = await act(await json_object(request))
            return web.json_response({"status": status, "answer": answer})

        return handle

    async def _send_alert(self, body: dict[str, Any]) -> tuple[int, Any]:
        return await self.send_sample(str(body.get("sample")))

    async def send_sample(self, name: str) -> tuple[int, Any]:
        """POST the sample alert ``name`` to the bot; (its status, its answer)."""
        sample = SAMPLES.get(name)
        if sample is None:
            raise ClientRefused(f"no sample alert called {name!r}")
        payload = json.dumps(sample.build(self.fake.workspace))
        headers = sample.headers() | {"Content-Type": sample.content_type}
        url = f"{self.bot_url}/alerts/{ALERT_SOURCE}"
        return await _call("POST", url, headers, payload)

    async def _act_on_page(self, body: dict[str, Any]) -> tuple[int, Any]:
        pd = self.vendors.pagerduty
        status = PD_STATUSES.get(str(body.get("action")))
        if pd is None or status is None:
            raise ClientRefused("the pager panel acknowledges or resolves PagerDuty incidents only")
        email = acting.person(self.fake, str(body.get("as", ""))).user.email or ""
        headers = {
            "Authorization": f"Token token={pd.api_key}",
            "From": email,
            "Content-Type": "application/json",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
        payload = json.dumps({"incident": {"type": "incident_reference", "status": status}})
        url = f"{pd.api_url}/incidents/{quote(str(body.get('incident')), safe='')}"
        return await _call("PUT", url, headers, payload, ssl.create_default_context(cafile=pd.ca_file))


async def _call(
    method: str, url: str, headers: dict[str, str], payload: str, tls: ssl.SSLContext | None = None
) -> tuple[int, Any]:
    timeout = aiohttp.ClientTimeout(total=SEND_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
            session.request(method, url, headers=headers, data=payload, ssl=tls or True) as response,
        ):
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except json.JSONDecodeError:
                return response.status, text
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ClientRefused(f"could not reach {url}: {exc or type(exc).__name__}") from None
