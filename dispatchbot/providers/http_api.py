"""JSON over HTTP for the adapters that need no vendor SDK (the `webhook` and `github_actions` workflow
providers): one aiohttp request per attempt, under the shared retry policy (`retries.py`, through
`blocking.run_async`), with a timeout on connecting and on every read.

An answer of 400 or more becomes an `HttpFailure`, which the policy retries when it is a 429 or a 5xx
(honouring `Retry-After`) and the adapter's `problem` turns into words people read otherwise; statuses
a caller expects (a 404 that means "no such run yet") come back as an `Answer` instead. Headers are
never logged: they carry the credentials.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from dispatchbot.errors import ProviderError
from dispatchbot.providers.blocking import failed, run_async
from dispatchbot.providers.retries import CONNECTION_LOST, Classify, Refusal, RetryPolicy, refusal_for_status

TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=15.0)
MESSAGE_LIMIT = 300
"""The most of a server's error text quoted to people."""


class HttpFailure(Exception):
    """An answer of 400 or more."""

    def __init__(self, status: int, headers: Mapping[str, str], body: Any) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = dict(headers)
        self.body = body

    @property
    def message(self) -> str:
        return server_message(self.body)


def server_message(body: Any) -> str:
    """A server's own words in an error's body: a JSON `message` or `error`, else the start of the body,
    on one line."""
    text = body.get("message") or body.get("error") or "" if isinstance(body, dict) else body
    words = " ".join(str(text or "").split())
    return words if len(words) <= MESSAGE_LIMIT else words[: MESSAGE_LIMIT - 1] + "…"


FAILURES: tuple[type[Exception], ...] = (HttpFailure, aiohttp.ClientError, ValueError, KeyError, TypeError)
"""Every way a request fails that an adapter's `problem` can describe (ValueError: a body not JSON)."""


def refusal(exc: BaseException) -> Refusal | None:
    """429 and 5xx as `retries.refusal_for_status` reads them; a request that got no answer may have been
    carried out (it is retried only when the operation is idempotent)."""
    if isinstance(exc, HttpFailure):
        return refusal_for_status(exc.status, exc.headers)
    return CONNECTION_LOST if isinstance(exc, aiohttp.ClientError) else None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    """The decoded JSON, or None for an empty body."""


@dataclass(frozen=True)
class JsonApi:
    provider: str
    """The service's name as people read it ("GitHub")."""
    name: str
    """The adapter's registry name, in the log."""
    headers: Mapping[str, str]
    policy: RetryPolicy
    classify: Classify = refusal

    async def call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        problem: Callable[[Exception], str],
        params: Any = None,
        body: Any = None,
        idempotent: bool = True,
        expect: Collection[int] = (),
    ) -> Answer:
        """One operation: the request, retried per the policy. Answers of 400 or more whose status is not
        in `expect` fail as `ProviderError` ("<what>: <problem(exc)>"), `ProviderUnavailable` when the
        service was refusing for now. `what` and `problem` must not hold secrets or parameter values."""

        async def attempt() -> Answer:
            async with (
                aiohttp.ClientSession(headers=dict(self.headers), timeout=TIMEOUT) as session,
                session.request(method, url, params=params, json=body) as response,
            ):
                text = await response.text()
                # A start that cannot be repeated succeeded whatever its body says: it is not refused
                # for an answer that is not JSON (then the adapter reads nothing from it).
                decoded = _decoded(text, strict=response.status < 400 and idempotent)
                if response.status >= 400 and response.status not in expect:
                    raise HttpFailure(response.status, response.headers, decoded)
                return Answer(response.status, decoded)

        return await run_async(
            attempt,
            provider=self.provider,
            name=self.name,
            what=what,
            policy=self.policy,
            failures=FAILURES,
            translate=lambda exc: self.failure(what, problem(exc), exc),
            classify=self.classify,
            idempotent=idempotent,
        )

    def failure(self, what: str, problem: str, exc: Exception | None = None) -> ProviderError:
        """The `ProviderError` for an operation that failed, logged once."""
        status = exc.status if isinstance(exc, HttpFailure) else None
        return failed(self.provider, self.name, what, problem, status=status)


def _decoded(text: str, *, strict: bool) -> Any:
    """The body as JSON (None when empty). An error's body may be anything: then it stays text."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        if strict:
            raise
        return text
