"""POST /alerts/{source} refusing what it cannot take: 400 naming the format and the field, 413 over the
size limit, 429 with Retry-After over the rate; each before anything is stored or posted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import structlog

from dispatchbot.app import Running
from dispatchbot.testing import FakeSlack
from tests.e2e.alerts.support import TOKEN, alert_settings, post, send
from tests.e2e.conftest import StartBot

GENERIC = {"title": "Checkout 5xx", "status": "firing", "deduplication_key": "checkout-5xx"}
INVALID = {
    "wrong type (generic title)": (
        "generic",
        {**GENERIC, "title": 5},
        "generic",
        "title",
        "must be a string",
    ),
    "wrong type (alert annotations)": (
        "alertmanager",
        {"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "X"}, "annotations": "x"}]},
        "alertmanager",
        "alerts[0].annotations",
        "must be a JSON object",
    ),
    "wrong type (alerts)": ("alertmanager", {"alerts": "many"}, "alertmanager", "alerts", "must be a list"),
    "wrong value (event_action)": (
        "pagerduty",
        {"event_action": "explode", "payload": {}},
        "pagerduty",
        "event_action",
        "must be trigger, acknowledge or resolve",
    ),
    "missing field (dedup key)": (
        "generic",
        {"title": "x", "status": "firing"},
        "generic",
        "deduplication_key",
        "is required",
    ),
    "not JSON": ("generic", b"{not json", "generic", None, "the body is not JSON"),
    "JSON nested too deep": ("generic", "[" * 1010 + "]" * 1010, "generic", None, "the body is not JSON"),
    "unknown severity (trigger)": (
        "pagerduty",
        {"event_action": "trigger", "payload": {"summary": "x", "severity": "apocalyptic"}},
        "pagerduty",
        "payload.severity",
        "must be critical, error, warning or info",
    ),
    "a JSON list": ("alertmanager", [{"status": "firing"}], "alertmanager", None, "must be a JSON object"),
    "a JSON string (auto)": ("prometheus", '"firing"', "auto", None, "must be a JSON object"),
    "unknown format (auto)": ("prometheus", {"hello": "world"}, "auto", None, "could not recognise"),
}


@pytest.fixture
async def running(slack: FakeSlack, database_url: str, start_bot: StartBot) -> Running:
    settings = alert_settings(
        slack,
        database_url,
        alerts={"max_body_bytes": 2048, "rate_limit_per_second": 0.01, "rate_limit_burst": 2},
    )
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    return running


@pytest.fixture
async def roomy(slack: FakeSlack, database_url: str, start_bot: StartBot) -> Running:
    """A bot with the default rate limits, for tests that send many requests."""
    running = await start_bot(alert_settings(slack, database_url, alerts={"max_body_bytes": 2048}))
    await slack.socket.wait_connected()
    return running


@pytest.mark.parametrize(("source", "body", "format", "field", "reason"), INVALID.values(), ids=list(INVALID))
async def test_a_payload_its_format_cannot_read_gets_400_naming_format_and_field(
    slack: FakeSlack, roomy: Running, source: str, body: Any, format: str, field: str | None, reason: str
) -> None:
    status, answer = await post(roomy, source, body)
    assert status == 400, answer
    assert answer["status"] == "invalid"
    assert (answer["format"], answer["field"]) == (format, field)
    assert reason in answer["error"]
    assert await roomy.deps.alerts.listing(firing_only=False, limit=10) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_a_body_over_the_limit_gets_413_however_it_is_sent(slack: FakeSlack, roomy: Running) -> None:
    big = {**GENERIC, "description": "x" * 3000}
    expected = (413, {"status": "too_large", "error": "the body is over 2048 bytes"})
    assert await post(roomy, "generic", big) == expected
    assert await _post_chunked(roomy, "generic", big) == expected  # no Content-Length: counted as read
    # the same answer whoever asks, so a large body cannot tell which sources exist either
    assert await post(roomy, "generic", big, auth="none") == expected
    assert await post(roomy, "nagios", big) == expected
    assert (await post(roomy, "generic", {**GENERIC, "description": "x" * 1500}))[0] == 202
    assert len(await roomy.deps.alerts.listing(firing_only=False, limit=10)) == 1


async def test_over_the_rate_gets_429_with_retry_after_and_is_not_stored(running: Running) -> None:
    first = await post(running, "generic", {**GENERIC, "deduplication_key": "one"})
    second = await post(running, "generic", {**GENERIC, "deduplication_key": "two"})
    assert (first[0], second[0]) == (202, 202)
    third = await send(running, "generic", {**GENERIC, "deduplication_key": "three"})
    assert (third.status, third.body) == (
        429,
        {"status": "rate_limited", "error": "too many requests; retry later"},
    )
    assert int(third.headers["Retry-After"]) >= 1
    keys = {alert.dedup_key for alert in await running.deps.alerts.listing(firing_only=False, limit=10)}
    assert keys == {"one", "two"}
    # each source has its own bucket, and refused credentials spend none of it
    assert (await post(running, "pagerduty", {"event_action": "x"}, token="wrong-token-0123456789"))[0] == 401
    assert (await post(running, "alertmanager", {"alerts": []}))[0] == 400


async def _post_chunked(running: Running, source: str, body: dict[str, Any]) -> tuple[int, Any]:
    async def chunks() -> AsyncIterator[bytes]:
        data = json.dumps(body).encode()
        for start in range(0, len(data), 512):
            yield data[start : start + 512]

    url = f"http://127.0.0.1:{running.port}/alerts/{source}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(url, data=chunks(), headers=headers) as response:
        return response.status, await response.json()


async def test_an_sns_subscription_confirmation_is_refused_and_its_url_logged(roomy: Running) -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:alarms",
        "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc",
        "Token": "abc",
    }
    with structlog.testing.capture_logs() as logs:
        status, body = await post(roomy, "mapbox", confirmation)
    assert (status, body["format"]) == (400, "mapbox")
    [needed] = [entry for entry in logs if entry["event"] == "alerts.sns_confirmation_needed"]
    assert needed["subscribe_url"] == confirmation["SubscribeURL"]
    assert await roomy.deps.alerts.listing(firing_only=False, limit=10) == []
