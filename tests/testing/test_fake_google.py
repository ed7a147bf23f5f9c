"""The fake Google is strict where a lenient fake would hide an adapter bug: tokens, scopes, shared
drives, field masks and the Drive Activity filter. Raw HTTP here; tests/providers drive it with the real
client libraries."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from google.auth import crypt, jwt

from dispatchbot.testing import FakeGoogle

DRIVE = "https://www.googleapis.com/auth/drive"
ACTIVITY = "https://www.googleapis.com/auth/drive.activity.readonly"


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle() as fake:
        fake.add_template("doc-1", "Template", "Hello {{name}}")
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _token(google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path, scope: str) -> str:
    settings = google.settings(tmp_path)
    signer = crypt.RSASigner.from_service_account_file(settings.service_account_file)
    now = int(time.time())
    claims = {
        "iss": "dispatchbot@fake-project.iam.gserviceaccount.com",
        "sub": "someone@example.com",
        "scope": scope,
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 600,
    }
    assertion = jwt.encode(signer, claims).decode()
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    async with http.post(google.token_uri, data=form) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
    return str(body["access_token"])


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, token: str | None, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, headers=headers, **kwargs) as response:
        return response.status, await response.json()


async def test_api_calls_need_a_token_the_fake_issued_with_a_fitting_scope(
    google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    url = f"{google.api_url}/drive/v3/files/doc-1?supportsAllDrives=true"
    assert (await _call(http, "GET", url, None))[0] == 401
    assert (await _call(http, "GET", url, "ya29.made-up"))[0] == 401
    activity_only = await _token(google, http, tmp_path, ACTIVITY)
    status, body = await _call(http, "GET", url, activity_only)
    assert (status, body["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert (await _call(http, "GET", url, await _token(google, http, tmp_path, DRIVE)))[0] == 200
    assert google.token_grants[0]["sub"] == "someone@example.com"


async def test_shared_drive_files_need_supports_all_drives_and_comments_need_fields(
    google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    token = await _token(google, http, tmp_path, DRIVE)
    drive = f"{google.api_url}/drive/v3/files"
    assert (await _call(http, "GET", f"{drive}/doc-1", token))[0] == 404
    status, body = await _call(http, "GET", f"{drive}/doc-1?supportsAllDrives=true&fields=id", token)
    assert (status, body) == (200, {"id": "doc-1"})

    comment_id = google.add_comment("doc-1", "Do it", "bob@example.com")
    assert (await _call(http, "GET", f"{drive}/doc-1/comments/{comment_id}", token))[0] == 400
    status, body = await _call(http, "GET", f"{drive}/doc-1/comments/{comment_id}?fields=*", token)
    assert (status, body["assigneeEmailAddress"], body["resolved"]) == (200, "bob@example.com", False)


async def test_activity_filter_takes_rfc3339_or_milliseconds(
    google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    token = await _token(google, http, tmp_path, ACTIVITY)
    url = f"{google.api_url}/v2/activity:query"
    before = datetime.now(UTC) - timedelta(seconds=1)
    comment_id = google.add_comment("doc-1", "Do it", "bob@example.com")
    google.resolve_comment("doc-1", comment_id)

    rfc3339 = f'time >= "{before.isoformat()}" AND detail.action_detail_case:COMMENT'
    status, body = await _call(http, "POST", url, token, json={"itemName": "items/doc-1", "filter": rfc3339})
    assert status == 200
    subtypes = [a["primaryActionDetail"]["comment"]["assignment"]["subtype"] for a in body["activities"]]
    assert subtypes == ["RESOLVED", "ADDED"]
    assert body["activities"][0]["targets"][0]["fileComment"]["legacyDiscussionId"] == comment_id

    later = int((datetime.now(UTC) + timedelta(seconds=1)).timestamp() * 1000)
    status, body = await _call(
        http, "POST", url, token, json={"itemName": "items/doc-1", "filter": f"time >= {later}"}
    )
    assert (status, body) == (200, {})
    status, _ = await _call(
        http, "POST", url, token, json={"itemName": "items/doc-1", "filter": "time ~ now"}
    )
    assert status == 400


async def test_down_counts_down_per_api(
    google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    token = await _token(google, http, tmp_path, DRIVE)
    url = f"{google.api_url}/drive/v3/files/doc-1?supportsAllDrives=true"
    google.down("drive", times=2)
    assert [(await _call(http, "GET", url, token))[0] for _ in range(3)] == [503, 503, 200]
    google.down("token")
    assert (await _call(http, "GET", url, token))[0] == 200
    async with http.post(google.token_uri, data={}) as response:
        assert response.status == 503
    google.up()
    assert ("GET", "/drive/v3/files/doc-1") in google.requests


async def test_a_rate_limit_can_name_its_requests_and_send_retry_after(
    google: FakeGoogle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    token = await _token(google, http, tmp_path, DRIVE)
    google.rate_limit(times=1, retry_after=2, method="POST", path="/drive/v3/files/*/copy")
    copy = f"{google.api_url}/drive/v3/files/doc-1/copy?supportsAllDrives=true"
    read = f"{google.api_url}/drive/v3/files/doc-1?supportsAllDrives=true"
    assert (await _call(http, "GET", read, token))[0] == 200  # only the copy is limited
    async with http.post(copy, headers={"Authorization": f"Bearer {token}"}, json={}) as limited:
        body = await limited.json()
        assert (limited.status, limited.headers["Retry-After"]) == (429, "2")
        assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert (await _call(http, "POST", copy, token, json={}))[0] == 200
