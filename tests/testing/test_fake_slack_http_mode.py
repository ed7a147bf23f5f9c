"""HTTP events mode: signed POSTs to bolt's own aiohttp adapter, encoded per kind as Slack does."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import EVENTS_API, FakeSlack

SECRET = "fake-signing-secret"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def http_app(fake: FakeSlack, client: AsyncWebClient) -> AsyncIterator[AsyncApp]:
    bolt_app = AsyncApp(signing_secret=SECRET, client=client)
    runner, base = await serve(bolt_app.web_app(path="/slack/events"))
    fake.deliver_http(f"{base}/slack/events", SECRET)
    yield bolt_app
    await runner.cleanup()


async def test_commands_views_and_events_over_http(fake: FakeSlack, http_app: AsyncApp) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    events: list[dict[str, Any]] = []

    @http_app.command("/dispatch-report-incident")
    async def open_report(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = {
            "type": "modal",
            "callback_id": "report",
            "title": {"type": "plain_text", "text": "Report"},
            "submit": {"type": "plain_text", "text": "Go"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "title",
                    "label": {"type": "plain_text", "text": "Title"},
                    "element": {"type": "plain_text_input", "action_id": "v"},
                }
            ],
        }
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @http_app.view("report")
    async def submitted(ack: AsyncAck) -> None:
        await ack(response_action="errors", errors={"title": "Pick a better title"})

    @http_app.command("/dispatch-help")
    async def help_text(ack: AsyncAck) -> None:
        await ack("Try /dispatch-report-incident")

    @http_app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        events.append(event)

    person = fake.as_user(alice)
    ack = await person.slash_command("/dispatch-report-incident", text="db", channel=gen.id)
    assert (ack.status, ack.ok, ack.payload) == (200, True, None)
    view = await person.wait_for_view()
    view.fill({"Title": "x"})
    rejected = await view.submit()
    assert rejected.status == 200
    assert rejected.payload == {"response_action": "errors", "errors": {"title": "Pick a better title"}}
    assert view.error_for("Title") == "Pick a better title"

    helped = await person.slash_command("/dispatch-help", channel=gen.id)
    assert helped.payload == {"text": "Try /dispatch-report-incident"}
    assert [e.text for e in fake.ephemerals(gen.id, user=alice.id)] == ["Try /dispatch-report-incident"]

    await person.post(gen.id, "hello over http")
    assert fake.deliveries[-1].status == 200
    assert events[0]["text"] == "hello over http"


async def test_bad_signatures_are_rejected(fake: FakeSlack, http_app: AsyncApp) -> None:
    assert fake.http is not None
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
    good = await fake.http.post(body, "application/json")
    assert (good.status, good.payload) == (200, {"challenge": "abc123"})
    wrong_key = await fake.http.post(body, "application/json", signing_secret="not-the-secret")
    stale = await fake.http.post(body, "application/json", timestamp=int(time.time()) - 600)
    garbage = await fake.http.post(body, "application/json", signature="v0=deadbeef")
    unsigned = await fake.http.post(body, "application/json", signature="")
    assert [a.status for a in (wrong_key, stale, garbage, unsigned)] == [401, 401, 401, 401]
    assert not wrong_key.ok


async def test_failed_event_posts_are_retried_with_retry_headers(fake: FakeSlack) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    seen: list[tuple[str | None, str | None, str]] = []

    async def flaky(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(
            (
                request.headers.get("X-Slack-Retry-Num"),
                request.headers.get("X-Slack-Retry-Reason"),
                body["event_id"],
            )
        )
        return web.Response(status=500 if len(seen) == 1 else 200)

    receiver = web.Application()
    receiver.router.add_post("/events", flaky)
    runner, base = await serve(receiver)
    try:
        fake.deliver_http(f"{base}/events", SECRET)
        await fake.as_user(alice).post(gen.id, "hi")
    finally:
        await runner.cleanup()
    assert [s[:2] for s in seen] == [(None, None), ("1", "http_error")]
    assert seen[0][2] == seen[1][2]
    assert fake.deliveries[-1].ok
    assert fake.deliveries[-1].type == EVENTS_API
