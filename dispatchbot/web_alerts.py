"""`POST /alerts/{source}`: authenticate, bound, parse, store, answer 202.

Every refusal is decided before anything is stored, and answers the way a sender can act on: 401 is one
body for an unknown source, a missing token and a wrong one (so sources cannot be probed), 400 names the
format and the field, 413 and 429 (with `Retry-After`) say to send less. The 202 comes only once the
alerts are durable (`AlertIntake`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from dispatchbot.alert_formats import FormatError, Severity, parse
from dispatchbot.config import Settings
from dispatchbot.logs import get_logger
from dispatchbot.metrics import Metrics
from dispatchbot.services.alert_intake import AlertIntake

log = get_logger(__name__)

UNAUTHORIZED = {"status": "unauthorized", "error": "unknown source or missing or wrong token"}


@dataclass
class _Bucket:
    """A token bucket: `burst` requests at once, refilled at `rate` a second."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """0 when a request may go now, else the seconds until one may."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def alerts_endpoint(
    settings: Settings, intake: AlertIntake, metrics: Metrics, draining: Callable[[], bool]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    sources = {source.name: source for source in settings.alert_sources}
    digests = {name: _digest(source.token.get_secret_value()) for name, source in sources.items()}
    limits = settings.alerts
    buckets = {
        name: _Bucket(
            rate=source.rate_limit_per_second or limits.rate_limit_per_second,
            burst=float(limits.rate_limit_burst),
            tokens=float(limits.rate_limit_burst),
            updated=time.monotonic(),
        )
        for name, source in sources.items()
    }
    severity_map = {name.lower(): Severity(value) for name, value in limits.severity_map.items()}
    default_severity = Severity(limits.default_severity)

    def answer(status: int, body: dict[str, Any], **headers: str) -> web.Response:
        metrics.alert_requests.labels(str(status)).inc()
        return web.json_response(body, status=status, headers=headers or None)

    async def handle(request: web.Request) -> web.Response:
        if draining():
            return answer(
                503, {"status": "unavailable", "error": "shutting down; retry"}, **{"Retry-After": "5"}
            )
        name = request.match_info["source"]
        source = sources.get(name)
        body = await _read_bounded(request, limits.max_body_bytes)
        if body is None:  # before the source check too: a 413 must not tell which sources exist
            return answer(
                413, {"status": "too_large", "error": f"the body is over {limits.max_body_bytes} bytes"}
            )
        if source is None:
            return answer(401, UNAUTHORIZED)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:  # nested deeper than Python's stack: not JSON to us
            if not _authorized(request, None, digests[name]):
                return answer(401, UNAUTHORIZED)
            return answer(400, FormatError(source.format, None, f"the body is not JSON ({exc})").to_json())
        if not _authorized(request, document, digests[name]):
            return answer(401, UNAUTHORIZED)
        wait = buckets[name].take(time.monotonic())
        if wait:
            return answer(
                429,
                {"status": "rate_limited", "error": "too many requests; retry later"},
                **{"Retry-After": str(max(1, round(wait)))},
            )
        try:
            parsed = parse(document, source.format, severity_map, default_severity)
        except FormatError as exc:
            log.info("alerts.invalid", source=name, format=exc.format, field=exc.field)
            if isinstance(document, dict) and document.get("Type") == "SubscriptionConfirmation":
                # An authenticated SNS topic asking to be confirmed: the operator needs its URL.
                log.warning(
                    "alerts.sns_confirmation_needed",
                    source=name,
                    topic=str(document.get("TopicArn", "")),
                    subscribe_url=str(document.get("SubscribeURL", "")),
                )
            return answer(400, exc.to_json())
        for warning in parsed.warnings:
            log.warning("alerts.payload_warning", source=name, warning=warning)
        outcomes = await intake.take(name, parsed)
        for outcome in outcomes:
            metrics.alerts.labels(name, parsed.format.value, outcome.action.value).inc()
        return answer(
            202,
            {
                "status": "accepted",
                "alerts": [{"dedup_key": item.dedup_key, "action": item.action.value} for item in outcomes],
            },
        )

    return handle


async def _read_bounded(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` (read no further than that)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def _digest(token: str) -> bytes:
    """Tokens are compared as digests: equal length, so the comparison takes the same time for any guess."""
    return hashlib.sha256(token.encode()).digest()


def _presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def _authorized(request: web.Request, document: object, expected: bytes) -> bool:
    """A Bearer token, a Basic password, or (PagerDuty Events v2) the body's `routing_key`."""
    presented = _presented_token(request)
    if presented is None and isinstance(document, dict) and isinstance(document.get("routing_key"), str):
        presented = document["routing_key"]
    return presented is not None and hmac.compare_digest(_digest(presented), expected)
