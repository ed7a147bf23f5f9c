"""HTTP events mode: envelopes become signed POSTs to the app's request URL, encoded per kind as
Slack does (events as JSON, slash commands as a form, interactions as ``payload=<json>`` in a form).

Slack retries an event whose POST fails or takes longer than 3 s, adding ``X-Slack-Retry-Num`` and
``X-Slack-Retry-Reason``; the fake does the same within ``max_retries``.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import aiohttp
from slack_sdk.signature import SignatureVerifier

from dispatchbot.testing.slack.delivery import EVENTS_API, INTERACTIVE, JSON, Ack


def encode(kind: str, body: JSON) -> tuple[str, str]:
    """The request body and content type Slack uses for one kind of envelope."""
    if kind == EVENTS_API:
        return json.dumps(body), "application/json"
    if kind == INTERACTIVE:
        return urllib.parse.urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
    return urllib.parse.urlencode({k: str(v) for k, v in body.items()}), "application/x-www-form-urlencoded"


class HttpDelivery:
    """Posts envelopes to ``url`` signed with ``signing_secret``."""

    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.ack_timeout = 3.0
        self.redelivery_timeout = 3.0
        self.max_retries = 3
        self.acks: list[Ack] = []
        self._session: aiohttp.ClientSession | None = None
        self._counter = 0

    async def deliver(self, kind: str, body: JSON) -> Ack:
        text, content_type = encode(kind, body)
        ack = await self.post(text, content_type, kind=kind, body=body)
        while not ack.ok and kind == EVENTS_API and ack.retry_attempt < self.max_retries:
            reason = "http_timeout" if ack.status is None else "http_error"
            ack = await self.post(
                text,
                content_type,
                kind=kind,
                body=body,
                retry_attempt=ack.retry_attempt + 1,
                retry_reason=reason,
            )
        return ack

    async def post(
        self,
        text: str,
        content_type: str,
        *,
        kind: str = "raw",
        body: JSON | None = None,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Ack:
        """POST one signed request. Override ``timestamp`` (stale), ``signing_secret`` (wrong key) or
        ``signature`` (garbage; ``""`` sends no signature headers) to test request verification."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        secret = self.signing_secret if signing_secret is None else signing_secret
        headers = {"Content-Type": content_type}
        if signature != "":
            headers["X-Slack-Request-Timestamp"] = ts
            headers["X-Slack-Signature"] = signature or str(
                SignatureVerifier(secret).generate_signature(timestamp=ts, body=text)
            )
        if retry_attempt:
            headers["X-Slack-Retry-Num"] = str(retry_attempt)
            headers["X-Slack-Retry-Reason"] = retry_reason
        self._counter += 1
        ack = Ack(
            envelope_id=f"http-{self._counter}",
            type=kind,
            body=body or {},
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        timeout = self.redelivery_timeout if kind == EVENTS_API else self.ack_timeout
        started = time.perf_counter()
        try:
            async with self._session.post(
                self.url, data=text.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                raw = await response.text()
        except TimeoutError:
            return ack
        ack.latency = time.perf_counter() - started
        ack.status = response.status
        ack.ok = response.status == 200
        ack.payload = _parse(raw)
        self.acks.append(ack)
        return ack

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _parse(raw: str) -> JSON | None:
    """An ack body as Slack reads it: JSON objects as-is, plain text as a message text."""
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {"text": raw}
    return parsed if isinstance(parsed, dict) else {"text": raw}
