"""The fake PagerDuty as a client sees it: TLS from its own CA, PagerDuty's shapes, errors and faults."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from dispatchbot.testing import FakePagerDuty
from dispatchbot.testing.pagerduty import DEDUP_CONFLICT

FROM = {"From": "bot@example.com"}


@pytest.fixture
async def pd() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        fake.add_service("PSVC1", "Payments", [("alice@example.com", "Alice"), ("bob@example.com", "Bob")])
        yield fake


@pytest.fixture
async def http(pd: FakePagerDuty) -> AsyncIterator[aiohttp.ClientSession]:
    context = ssl.create_default_context(cafile=pd.ca_file)
    headers = {"Authorization": f"Token token={pd.api_key}"}
    async with aiohttp.ClientSession(
        base_url=pd.api_url, headers=headers, connector=aiohttp.TCPConnector(ssl=context)
    ) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kwargs) as response:
        return response.status, await response.json()


def incident(key: str = "k-1") -> dict[str, Any]:
    return {
        "incident": {
            "type": "incident",
            "title": "Payments down",
            "service": {"id": "PSVC1", "type": "service_reference"},
            "incident_key": key,
        }
    }


async def test_serves_https_trusted_only_through_its_ca(
    pd: FakePagerDuty, http: aiohttp.ClientSession
) -> None:
    assert pd.api_url.startswith("https://127.0.0.1:")
    assert (await call(http, "GET", "/services/PSVC1"))[0] == 200
    async with aiohttp.ClientSession() as untrusting:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await untrusting.get(f"{pd.api_url}/services/PSVC1")


async def test_api_key_is_checked(pd: FakePagerDuty, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", "/services/PSVC1", headers={"Authorization": "Token token=wrong"})
    assert (status, body["error"]["message"]) == (401, "Authentication failed")
    assert pd.requests == [("GET", "/services/PSVC1")]


async def test_service_policy_oncalls_and_users(pd: FakePagerDuty, http: aiohttp.ClientSession) -> None:
    _, service = await call(http, "GET", "/services/PSVC1")
    policy_id = service["service"]["escalation_policy"]["id"]
    _, policy = await call(http, "GET", f"/escalation_policies/{policy_id}")
    targets = [rule["targets"][0]["type"] for rule in policy["escalation_policy"]["escalation_rules"]]
    assert targets == ["schedule_reference", "user_reference"]

    _, oncalls = await call(http, "GET", "/oncalls", params={"escalation_policy_ids[]": policy_id})
    levels = [(o["escalation_level"], o["user"]["summary"]) for o in oncalls["oncalls"]]
    assert levels == [(1, "Alice"), (2, "Bob")]
    assert oncalls["more"] is False
    _, user = await call(http, "GET", f"/users/{oncalls['oncalls'][0]['user']['id']}")
    assert user["user"]["email"] == "alice@example.com"

    pd.set_oncall("PSVC1", "carol@example.com", "Carol")
    _, oncalls = await call(http, "GET", "/oncalls", params={"schedule_ids[]": "PSVC1-SCHED"})
    assert [o["user"]["summary"] for o in oncalls["oncalls"]] == ["Carol"]


async def test_incident_lifecycle(pd: FakePagerDuty, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", "/incidents", json=incident())
    assert status == 400
    assert '"From" header' in body["error"]["errors"][0]

    status, created = await call(http, "POST", "/incidents", json=incident(), headers=FROM)
    incident_id = created["incident"]["id"]
    assert (status, created["incident"]["status"]) == (201, "triggered")
    assert pd.incidents[0].assignee_email == "alice@example.com"

    status, body = await call(http, "POST", "/incidents", json=incident(), headers=FROM)
    assert (status, body["error"]["errors"]) == (400, [DEDUP_CONFLICT])
    _, found = await call(http, "GET", "/incidents", params={"incident_key": "k-1"})
    assert [i["id"] for i in found["incidents"]] == [incident_id]
    _, found = await call(http, "GET", "/incidents", params={"incident_key": "other"})
    assert found["incidents"] == []

    pd.acknowledge(incident_id, "alice@example.com")
    _, got = await call(http, "GET", f"/incidents/{incident_id}")
    assert got["incident"]["acknowledgements"][0]["acknowledger"]["summary"] == "Alice"

    update = {"incident": {"type": "incident_reference", "escalation_level": 2}}
    await call(http, "PUT", f"/incidents/{incident_id}", json=update, headers=FROM)
    [fake] = pd.incidents
    assert (fake.escalation_level, fake.assignee_email, fake.status) == (2, "bob@example.com", "triggered")

    resolve = {"incident": {"type": "incident_reference", "status": "resolved"}}
    assert (await call(http, "PUT", f"/incidents/{incident_id}", json=resolve, headers=FROM))[0] == 200
    status, body = await call(http, "PUT", f"/incidents/{incident_id}", json=resolve, headers=FROM)
    assert (status, body["error"]["errors"]) == (400, ["Incident Already Resolved"])
    assert (await call(http, "POST", "/incidents", json=incident(), headers=FROM))[0] == 201  # key free again


async def test_schedule_entries_clip_unless_overflow(pd: FakePagerDuty, http: aiohttp.ClientSession) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    pd.add_shift("PSVC1", "bob@example.com", "Bob", start, start + timedelta(hours=12))
    window = {
        "since": (start + timedelta(hours=6)).isoformat(),
        "until": (start + timedelta(days=1)).isoformat(),
    }
    _, clipped = await call(http, "GET", "/schedules/PSVC1-SCHED", params=window)
    _, whole = await call(http, "GET", "/schedules/PSVC1-SCHED", params={**window, "overflow": "true"})
    [cut] = clipped["schedule"]["final_schedule"]["rendered_schedule_entries"]
    [entry] = whole["schedule"]["final_schedule"]["rendered_schedule_entries"]
    assert (cut["start"], entry["start"], entry["end"]) == (
        "2026-01-01T06:00:00Z",
        "2026-01-01T00:00:00Z",
        "2026-01-01T12:00:00Z",
    )


async def test_faults(pd: FakePagerDuty, http: aiohttp.ClientSession) -> None:
    pd.down(times=2)
    pd.rate_limit(times=1)
    statuses = [(await call(http, "GET", "/services/PSVC1"))[0] for _ in range(4)]
    assert statuses == [503, 503, 429, 200]
    pd.down()
    assert [(await call(http, "GET", "/services/PSVC1"))[0] for _ in range(3)] == [503, 503, 503]
    pd.up()
    assert (await call(http, "GET", "/services/PSVC1"))[0] == 200
    assert (await call(http, "GET", "/services/PNOPE"))[0] == 404


async def test_a_fault_can_name_its_requests_and_send_retry_after(
    pd: FakePagerDuty, http: aiohttp.ClientSession
) -> None:
    pd.rate_limit(times=None, retry_after=2, method="POST", path="/incidents")
    pd.down(times=1, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", path="/services/*")
    async with http.post("/incidents", json={}, headers=FROM) as limited:
        assert (limited.status, limited.headers["Retry-After"]) == (429, "2")
    async with http.get("/services/PSVC1") as down:
        assert (down.status, down.headers["Retry-After"]) == (503, "Wed, 21 Oct 2015 07:28:00 GMT")
    assert (await call(http, "GET", "/services/PSVC1"))[0] == 200  # the outage was for one request
    assert (await call(http, "GET", "/incidents"))[0] == 200  # the rate limit is for POST only
    async with http.post("/incidents", json={}, headers=FROM) as still:
        assert still.status == 429
    pd.up()
    assert (await call(http, "POST", "/incidents", json={}, headers=FROM))[0] == 400  # no incident given
