"""What the PagerDuty and Opsgenie fakes share on top of `LocalServer`: the request log, the API-key
check and outage faults (503s, 429s) that apply before any route runs.

Faults are answered before authentication and routing, like a load balancer in front of the real API,
so a refused request never changes the fake's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from dispatchbot.testing.local_server import LocalServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Fault:
    status: int
    remaining: int | None
    """Requests left to refuse; None refuses until `up()`."""


class VendorServer(LocalServer):
    """Subclasses add their routes, say how they authenticate and how their errors look."""

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every request, refused ones included."""
        self._faults: list[_Fault] = []

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

    def down(self, times: int | None = None) -> None:
        """The next `times` requests (None: every request until `up()`) answer 503."""
        self._faults.append(_Fault(503, times))

    def up(self) -> None:
        """Clear every outage and rate limit."""
        self._faults.clear()

    def rate_limit(self, times: int = 1) -> None:
        """The next `times` requests answer 429."""
        self._faults.append(_Fault(429, times))

    def _take_fault(self) -> int | None:
        if not self._faults:
            return None
        fault = self._faults[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.pop(0)
        return fault.status

    @web.middleware
    async def _front_door(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        status = self._take_fault()
        if status == 429:
            return self.error(429, "Rate Limit Exceeded")
        if status is not None:
            return self.error(status, "Service Unavailable")
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
