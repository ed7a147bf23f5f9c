"""The fake Opsgenie as a client sees it: GenieKey auth, 202 alert requests, alias de-duplication."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from dispatchbot.testing import FakeOpsgenie


@pytest.fixture
async def og() -> AsyncIterator[FakeOpsgenie]:
    async with FakeOpsgenie() as fake:
        fake.add_schedule("sre", ["alice@example.com", "bob@example.com"])
        yield fake


@pytest.fixture
async def http(og: FakeOpsgenie) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=og.api_url, headers={"Authorization": f"GenieKey {og.api_key}"}
    ) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kwargs) as response:
        return response.status, await response.json()


ALERT = {"message": "DB down", "alias": "inc-1", "responders": [{"name": "sre", "type": "schedule"}]}


async def test_api_key_is_checked(og: FakeOpsgenie, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", "/v2/alerts/x", headers={"Authorization": "GenieKey wrong"})
    assert status == 401
    assert set(body) == {"message", "took", "requestId"}


async def test_alerts_are_accepted_and_deduplicated_by_alias(
    og: FakeOpsgenie, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, "POST", "/v2/alerts", json=ALERT)
    assert (status, body["result"]) == (202, "Request will be processed")
    await call(http, "POST", "/v2/alerts", json=ALERT)
    [alert] = og.alerts
    assert (alert.count, alert.status) == (2, "open")

    status, got = await call(http, "GET", "/v2/alerts/inc-1", params={"identifierType": "alias"})
    assert (status, got["data"]["message"], got["data"]["acknowledged"]) == (200, "DB down", False)
    assert (await call(http, "GET", f"/v2/alerts/{alert.id}"))[1]["data"]["alias"] == "inc-1"
    assert (await call(http, "GET", "/v2/alerts/1", params={"identifierType": "tiny"}))[0] == 200
    assert (await call(http, "GET", "/v2/alerts/nope", params={"identifierType": "alias"}))[0] == 404

    og.acknowledge("inc-1", "alice@example.com")
    _, got = await call(http, "GET", "/v2/alerts/inc-1", params={"identifierType": "alias"})
    assert got["data"]["report"]["acknowledgedBy"] == "alice@example.com"

    by_alias = {"identifierType": "alias"}
    escalate = {"escalation": {"name": "sre-escalation"}}
    assert (await call(http, "POST", "/v2/alerts/inc-1/escalate", params=by_alias, json=escalate))[0] == 202
    assert (await call(http, "POST", "/v2/alerts/inc-1/close", params=by_alias, json={}))[0] == 202
    assert (alert.escalated_to, alert.status) == ("sre-escalation", "closed")

    await call(http, "POST", "/v2/alerts", json=ALERT)
    assert [a.status for a in og.alerts] == ["closed", "open"]  # a closed alias makes a new alert


async def test_schedule_oncalls(og: FakeOpsgenie, http: aiohttp.ClientSession) -> None:
    _, flat = await call(http, "GET", "/v2/schedules/sre/on-calls", params={"flat": "true"})
    assert flat["data"]["onCallRecipients"] == ["alice@example.com", "bob@example.com"]
    _, full = await call(http, "GET", "/v2/schedules/sre/on-calls")
    assert [p["name"] for p in full["data"]["onCallParticipants"]] == ["alice@example.com", "bob@example.com"]
    assert (await call(http, "GET", "/v2/schedules/nope/on-calls"))[0] == 404


async def test_faults(og: FakeOpsgenie, http: aiohttp.ClientSession) -> None:
    og.down(times=1)
    og.rate_limit()
    statuses = [(await call(http, "GET", "/v2/schedules/sre/on-calls"))[0] for _ in range(3)]
    assert statuses == [503, 429, 200]
    assert og.requests == [("GET", "/v2/schedules/sre/on-calls")] * 3
