"""Bolt's AsyncApp over the real AsyncSocketModeHandler, driven by people in the fake workspace."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import EVENTS_API, FakeSlack
from tests.support.waiting import eventually

Connect = Callable[..., Awaitable[AsyncSocketModeHandler]]  # the ``connect`` fixture


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def record_events(app: AsyncApp, *event_types: str) -> list[dict[str, Any]]:
    """The events of these types the app will receive, in the order they arrive."""
    received: list[dict[str, Any]] = []

    async def record(event: dict[str, Any]) -> None:
        received.append(event)

    for event_type in event_types:
        app.event(event_type)(record)
    return received


REPORT_MODAL = {
    "type": "modal",
    "callback_id": "report",
    "title": plain("Report incident"),
    "submit": plain("Report"),
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": plain("Title"),
            "element": {"type": "plain_text_input"},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": plain("Severity"),
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [{"text": plain(s), "value": s.lower()} for s in ("Low", "High")],
            },
        },
        {"type": "actions", "elements": [{"type": "button", "action_id": "help", "text": plain("Help")}]},
    ],
}


def report_app(app: AsyncApp, seen: list[dict[str, Any]]) -> None:
    @app.command("/dispatch-report-incident")
    async def open_report(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"], view={**REPORT_MODAL, "private_metadata": body["text"]}
        )

    @app.view("report")
    async def submitted(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen.append(view)
        values = view["state"]["values"]
        title = next(iter(values["title"].values()))["value"]
        if len(title) < 5:
            await ack(response_action="errors", errors={"title": "Too short"})
            return
        done = {"type": "modal", "callback_id": "done", "title": plain("Reported"), "blocks": []}
        await ack(response_action="update", view=done)

    @app.view_closed("report")
    async def closed(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen.append({"closed": view["id"]})
        await ack()

    @app.action("help")
    async def help_clicked(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.append({"clicked_in": body["container"]})
        await ack()


async def test_slash_command_modal_errors_then_update(
    fake: FakeSlack, app: AsyncApp, connect: Connect
) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id])
    seen: list[dict[str, Any]] = []
    report_app(app, seen)
    await connect(app)
    person = fake.as_user(alice)

    ack = await person.slash_command("/dispatch-report-incident", text="db down", channel=gen.id)
    assert ack.ok
    assert ack.payload is None
    assert ack.latency is not None
    assert ack.latency < 1.0
    assert ack.body["channel_name"] == "general"
    assert ack.body["response_url"].startswith("http://127.0.0.1")
    view = await person.wait_for_view()
    assert view.callback_id == "report"
    assert view.private_metadata == "db down"

    clicked = await view.click("Help")
    assert clicked.ok
    assert seen[-1] == {"clicked_in": {"type": "view", "view_id": view.id}}

    view.fill({"Title": "db", "Severity": "High"})
    rejected = await view.submit()
    assert rejected.payload == {"response_action": "errors", "errors": {"title": "Too short"}}
    assert view.is_open
    assert view.error_for("Title") == "Too short"
    assert seen[-1]["state"]["values"]["severity"]["pick"]["selected_option"]["value"] == "high"
    assert seen[-1]["root_view_id"] == view.id
    assert seen[-1]["hash"] == view.hash

    view.fill({"Title": "DB latency"})
    accepted = await view.submit()
    assert accepted.payload is not None
    assert accepted.payload["response_action"] == "update"
    assert view.callback_id == "done"
    assert view.title == "Reported"
    assert (await person.wait_for_view()).id == view.id

    assert await view.close() is None
    assert not view.is_open

    await person.slash_command("/dispatch-report-incident", channel=gen.id)
    second = await person.wait_for_view()
    closed = await second.close()
    assert closed is not None
    assert closed.ok
    assert seen[-1] == {"closed": second.id}
    assert [c.method for c in fake.calls] == [
        "apps.connections.open",
        "auth.test",
        "views.open",
        "views.open",
    ]


async def test_buttons_respond_and_events(
    fake: FakeSlack, app: AsyncApp, client: AsyncWebClient, connect: Connect
) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    quiet = fake.add_channel("quiet", members=[alice.id])
    events = record_events(app, "message", "reaction_added", "member_joined_channel")

    @app.action("join")
    async def join(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"Welcome {body['user']['name']}")
        await respond(replace_original=True, text="Joined")

    await connect(app)
    button = {"type": "button", "action_id": "join", "text": plain("Join"), "value": "inc-1"}
    await client.chat_postMessage(
        channel=gen.id, text="Incident", blocks=[{"type": "actions", "elements": [button]}]
    )
    person = fake.as_user(alice)
    ack = await person.click(fake.messages(gen.id)[0], "Join")
    assert ack.ok
    assert ack.body["actions"][0]["value"] == "inc-1"
    assert ack.body["message"]["text"] == "Incident"
    await eventually(lambda: len(fake.response_url_posts) == 2, what="both response_url posts")
    assert [e.text for e in fake.ephemerals(gen.id, user=alice.id)] == ["Welcome alice"]
    assert fake.messages(gen.id)[0].text == "Joined"

    posted = await person.post(gen.id, "db is slow")
    await person.post(quiet.id, "the bot is not here")  # not delivered: the bot is not a member
    await person.react(posted, "rotating_light")
    bob = fake.add_user("bob")
    await fake.as_user(bob).join(gen.id, inviter=alice)
    await eventually(lambda: len(events) == 3, what="three events")
    assert [e["type"] for e in events] == ["message", "reaction_added", "member_joined_channel"]
    assert events[0]["text"] == "db is slow"
    assert events[0]["channel_type"] == "channel"
    assert events[1]["item"] == {"type": "message", "channel": gen.id, "ts": posted.ts}
    assert events[2]["inviter"] == alice.id
    envelopes = [e for e in fake.socket.envelopes if e["type"] == EVENTS_API]
    assert all(e["payload"]["event_id"].startswith("Ev") for e in envelopes)
    assert len(envelopes) == 3


async def test_unacked_events_are_redelivered_with_the_same_event_id(fake: FakeSlack) -> None:
    """A raw SDK client shows what Bolt hides: retry_attempt/retry_reason on each redelivery."""
    fake.socket.redelivery_timeout = 0.2
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    received: list[SocketModeRequest] = []

    async def listener(client: SocketModeClient, req: SocketModeRequest) -> None:
        received.append(req)
        if req.retry_attempt:  # drop the first delivery on the floor
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    client = SocketModeClient(
        app_token=fake.app_token, web_client=AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    )
    client.socket_mode_request_listeners.append(listener)
    try:
        await client.connect()
        await fake.socket.wait_connected()
        await fake.as_user(alice).post(gen.id, "hello")
        assert [(r.retry_attempt, r.retry_reason) for r in received] == [(0, ""), (1, "timeout")]
        assert received[0].envelope_id != received[1].envelope_id
        assert received[0].payload["event_id"] == received[1].payload["event_id"]
        final = fake.deliveries[-1]
        assert final.ok
        assert final.retry_attempt == 1

        again = await fake.socket.redeliver(final)  # Slack sometimes resends even acked events
        assert again.ok
        assert received[-1].retry_attempt == 2
        assert received[-1].payload["event_id"] == received[0].payload["event_id"]
    finally:
        await client.close()


async def test_missing_ack_is_a_timeout_for_the_person(
    fake: FakeSlack, client: AsyncWebClient, connect: Connect
) -> None:
    fake.socket.ack_timeout = 0.3
    alice = fake.add_user("alice")
    # With process_before_response Bolt sends the ack when the handler returns, so the handler (and the
    # SDK's listener task running it) ends when the test lets it, not when Bolt gives up polling (3 s).
    app = AsyncApp(client=client, process_before_response=True)
    release = asyncio.Event()

    @app.command("/slow")
    async def acks_too_late(ack: AsyncAck) -> None:
        await release.wait()
        await ack()

    await connect(app)
    ack = await fake.as_user(alice).slash_command("/slow")
    assert not ack.ok
    assert ack.retry_attempt == 0
    assert len(fake.socket.envelopes) == 1  # slash commands are never redelivered

    release.set()
    await eventually(lambda: len(fake.socket.acks) == 1, what="the late ack")
    assert fake.socket.acks[0].envelope_id == ack.envelope_id  # recorded, though the person saw a timeout


async def test_reconnects_after_disconnect_and_drop(fake: FakeSlack, app: AsyncApp, connect: Connect) -> None:
    alice = fake.add_user("alice")

    @app.command("/ping")
    async def pong(ack: AsyncAck) -> None:
        await ack(text="pong")

    await connect(app, ping_interval=0.5)
    await fake.socket.send_disconnect(reason="refresh_requested")
    await eventually(
        lambda: len(fake.calls_to("apps.connections.open")) == 2 and fake.socket.connection_count == 1,
        what="one reconnection",
    )
    ack = await fake.as_user(alice).slash_command("/ping")
    assert ack.payload == {"text": "pong"}
    assert [e.text for e in fake.ephemerals(user=alice.id)] == ["pong"]

    await fake.socket.drop_connections()
    ack = await fake.as_user(alice).slash_command("/ping")  # waits for the reconnect, then delivers
    assert ack.ok
    assert len(fake.calls_to("apps.connections.open")) == 3


async def test_envelopes_spread_over_replicas(
    fake: FakeSlack, client: AsyncWebClient, connect: Connect
) -> None:
    alice = fake.add_user("alice")
    hits: list[str] = []

    def replica(name: str) -> AsyncApp:
        bolt_app = AsyncApp(client=client)

        @bolt_app.command("/who")
        async def who(ack: AsyncAck) -> None:
            hits.append(name)
            await ack()

        return bolt_app

    await connect(replica("replica-a"))
    await connect(replica("replica-b"))
    assert fake.socket.connection_count == 2
    for _ in range(4):
        assert (await fake.as_user(alice).slash_command("/who")).ok
    assert sorted(hits) == ["replica-a", "replica-a", "replica-b", "replica-b"]


async def test_shortcuts_selects_home_and_membership(
    fake: FakeSlack, app: AsyncApp, client: AsyncWebClient, connect: Connect
) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    got = record_events(app, "app_home_opened", "member_left_channel")  # the payloads below join them

    @app.shortcut("report_incident_shortcut")
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        got.append(body)
        await ack()

    @app.action("role")
    async def on_role(ack: AsyncAck, body: dict[str, Any]) -> None:
        got.append(body)
        await ack()

    await connect(app)
    select = {
        "type": "static_select",
        "action_id": "role",
        "placeholder": plain("Assign role"),
        "options": [{"text": plain(r), "value": r.lower()} for r in ("Scribe", "Commander")],
    }
    await client.chat_postMessage(
        channel=gen.id, text="Roles", blocks=[{"type": "actions", "elements": [select]}]
    )
    message = fake.messages(gen.id)[0]
    person = fake.as_user(alice)

    await person.shortcut("report_incident_shortcut", message=message)
    await person.shortcut("report_incident_shortcut")
    await person.select(message, "Assign role", option="Scribe")
    await client.views_publish(user_id=alice.id, view={"type": "home", "blocks": []})
    await person.open_home()
    await person.leave(gen.id)
    await eventually(lambda: len(got) == 5, what="five payloads")
    assert [g["type"] for g in got] == [
        "message_action",
        "shortcut",
        "block_actions",
        "app_home_opened",
        "member_left_channel",
    ]
    assert got[0]["message"]["ts"] == message.ts
    assert got[0]["channel"]["id"] == gen.id
    assert got[2]["actions"][0]["selected_option"]["value"] == "scribe"
    assert got[3]["tab"] == "home"
    assert got[3]["view"]["type"] == "home"
    assert all(g["type"] != "block_actions" or g["trigger_id"] != got[0]["trigger_id"] for g in got)
