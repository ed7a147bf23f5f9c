"""The workspace's change notifications (what a live view of it listens to), and acting on elements and
views by their ids rather than their labels (what a client rendering Block Kit itself needs)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import Change, ClientRefused, FakeSlack
from tests.testing.conftest import Connect


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def listen(fake: FakeSlack) -> list[Change]:
    heard: list[Change] = []
    fake.workspace.listeners.append(heard.append)
    return heard


async def test_web_api_calls_people_and_views_are_announced(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice = fake.add_user("alice")
    general = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    heard = listen(fake)

    await client.chat_postMessage(channel=general.id, text="hello")
    await client.views_publish(user_id=alice.id, view={"type": "home", "blocks": []})
    await fake.as_user(alice).post(general.id, "hi")
    await client.views_open(
        trigger_id=fake.workspace.issue_trigger(alice.id),
        view={"type": "modal", "title": plain("Hi"), "blocks": []},
    )

    assert heard == [
        Change("chat.postMessage", general.id, None),
        Change("views.publish", None, alice.id),
        Change("person", general.id, alice.id),
        Change("view", None, alice.id),
        Change("views.open", None, None),
    ]


async def test_acting_by_ids(
    fake: FakeSlack, client: AsyncWebClient, app: AsyncApp, connect: Connect
) -> None:
    alice = fake.add_user("alice")
    general = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    actions: list[dict[str, Any]] = []
    submitted: list[dict[str, Any]] = []

    @app.action("pick")
    @app.action("go")
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        actions.append(body["actions"][0])

    @app.view("form")
    async def on_submit(ack: AsyncAck, view: dict[str, Any]) -> None:
        await ack(response_action="errors", errors={"b": "too short"})
        submitted.append(view["state"]["values"])

    await connect(app)
    options = [{"text": plain("Low"), "value": "low"}, {"text": plain("High"), "value": "high"}]
    posted = await client.chat_postMessage(
        channel=general.id,
        text="pick",
        blocks=[
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {"type": "button", "action_id": "go", "text": plain("Go"), "value": "1"},
                    {"type": "static_select", "action_id": "pick", "options": options},
                ],
            }
        ],
    )
    message = fake.workspace.find_message(general.id, posted["ts"])
    assert message is not None
    person = fake.as_user(alice)
    assert (await person.act(message, "a", "go")).ok
    assert (await person.act(message, "a", "pick", "high")).ok
    assert [(a["action_id"], a.get("value"), a.get("selected_option", {}).get("value")) for a in actions] == [
        ("go", "1", None),
        ("pick", None, "high"),
    ]
    with pytest.raises(ClientRefused, match="pick an option"):
        await person.act(message, "a", "pick")
    with pytest.raises(ClientRefused, match="no element 'nope'"):
        await person.act(message, "a", "nope")

    await client.views_open(
        trigger_id=fake.workspace.issue_trigger(alice.id),
        view={
            "type": "modal",
            "callback_id": "form",
            "title": plain("Form"),
            "submit": plain("Send"),
            "blocks": [
                {
                    "type": "input",
                    "block_id": "b",
                    "label": plain("Name"),
                    "element": {"type": "plain_text_input", "action_id": "t"},
                },
                {
                    "type": "actions",
                    "block_id": "c",
                    "elements": [{"type": "button", "action_id": "go", "text": plain("Go")}],
                },
            ],
        },
    )
    view = await person.wait_for_view()
    heard = listen(fake)
    assert (await view.enter({"b": {"t": "Al"}}).submit()).ok
    assert submitted == [{"b": {"t": {"type": "plain_text_input", "value": "Al"}}}]
    assert view.errors == {"b": "too short"}
    assert heard == [Change("view", None, alice.id)]
    assert (await view.act("c", "go")).ok
    assert actions[-1]["action_id"] == "go"
