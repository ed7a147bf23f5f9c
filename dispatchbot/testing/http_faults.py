"""The faults the HTTP fakes of PagerDuty, Opsgenie and Google inject: outages (503) and rate limits (429),
with or without `Retry-After`, for every request or only some (a method, a path glob).

Each fake answers a fault before authentication and routing, like a load balancer in front of the real
API, so a refused request never changes the fake's state; how the refusal's body looks is the fake's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TypedDict


@dataclass
class Fault:
    status: int
    remaining: int | None
    """Requests left to refuse; None refuses until the faults are cleared."""
    retry_after: str | None
    """The `Retry-After` header to send (seconds, or an HTTP-date), or None to send none."""
    method: str | None
    path: str | None
    """A glob the request path must match (`/incidents`, `/drive/v3/files/*/copy`); None: any path."""

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and (
            self.path is None or fnmatchcase(path, self.path)
        )


class FaultScope(TypedDict, total=False):
    """Which requests a fault refuses and how, as the fakes' `down` and `rate_limit` take it."""

    retry_after: float | str | None
    """Seconds or an HTTP-date for the `Retry-After` header; None (the default) sends none."""
    method: str | None
    path: str | None
    """A glob the request path must match; with `method`, None (the default) matches any request."""


class HttpFaults:
    """Faults in the order they were added; a request meets the first one that matches it."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        status: int,
        *,
        times: int | None,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Refuse the next `times` matching requests (None: until `clear`) with `status`."""
        header = f"{retry_after:g}" if isinstance(retry_after, int | float) else retry_after
        self._faults.append(Fault(status, times, header, method.upper() if method else None, path))

    def clear(self) -> None:
        self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request meets (counted), or None when it goes through."""
        for fault in self._faults:
            if fault.matches(method, path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None
