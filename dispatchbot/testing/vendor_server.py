"""What the PagerDuty, Opsgenie, workflow webhook and GitHub fakes share on top of `LocalServer`: the
request log, the credential check and faults (503s, 429s, other 5xx, with or without Retry-After, for all
requests or some) that apply before any route runs.

Faults are answered before authentication and routing, like a load balancer in front of the real API,
so a refused request never changes the fake's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Unpack

from aiohttp import web

from dispatchbot.testing.http_faults import FaultScope, HttpFaults
from dispatchbot.testing.local_server import LocalServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MESSAGES = {
    429: "Rate Limit Exceeded",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class VendorServer(LocalServer):
    """Subclasses add their routes, say how they authenticate and how their errors look."""

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every request, refused ones included."""
        self._faults = HttpFaults()

    # ------------------------------------------------------------ subclass API

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def authorized(self, request: web.Request) -> bool:
        raise NotImplementedError

    def error(self, status: int, message: str) -> web.Response:
        """The vendor's JSON error shape."""
        raise NotImplementedError

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._front_door])
        self.add_routes(app)
        return app

    # ------------------------------------------------------------------ faults

    def down(self, times: int | None = None, **scope: Unpack[FaultScope]) -> None:
        """The next `times` matching requests (None: every one until `up()`) answer 503."""
        self._faults.add(503, times=times, **scope)

    def up(self) -> None:
        """Clear every outage and rate limit."""
        self._faults.clear()

    def rate_limit(self, times: int | None = 1, **scope: Unpack[FaultScope]) -> None:
        """The next `times` matching requests (one by default; None: every one until `up()`) answer 429."""
        self._faults.add(429, times=times, **scope)

    def fail(self, status: int = 500, times: int | None = 1, **scope: Unpack[FaultScope]) -> None:
        """The next `times` matching requests (one by default; None: every one until `up()`) answer
        `status`: a 500, 502 or 504 that a request may have survived, unlike a 503."""
        self._faults.add(status, times=times, **scope)

    @web.middleware
    async def _front_door(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        fault = self._faults.take(request.method, request.path)
        if fault is not None:
            message = MESSAGES.get(fault.status, "Internal Server Error")
            refusal = self.error(fault.status, message)
            if fault.retry_after is not None:
                refusal.headers["Retry-After"] = fault.retry_after
            return refusal
        if not self.authorized(request):
            return self.error(401, "Authentication failed")
        return await handler(request)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or {} when the body is empty or not an object."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
