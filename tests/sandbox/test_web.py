"""The sandbox's HTTP API in-process (no bot): what each person sees, the page and its assets, live
change events, and requests it refuses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.sandbox import people
from dispatchbot.sandbox.web import SandboxWeb
from dispatchbot.testing import Ephemeral, FakeSlack
from dispatchbot.testing.slack.methods.views import open_modal
from dispatchbot.testing.slack.state import Channel
from tests.sandbox.dom import one, parse, text_of


@pytest.fixture
async def web(slack: FakeSlack) -> AsyncIterator[SandboxWeb]:
    people.populate(slack)
    server = SandboxWeb(slack, ["/dispatch-report-incident"])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def user_id(slack: FakeSlack, name: str) -> str:
    return next(u.id for u in slack.workspace.users.values() if u.name == name)


def channel_named(slack: FakeSlack, name: str) -> Channel:
    channel = slack.workspace.channel_by_name(name)
    assert channel is not None
    return channel


async def get(http: aiohttp.ClientSession, web: SandboxWeb, path: str, who: str) -> str:
    async with http.get(web.url + path, params={"as": who}) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def test_page_and_assets_are_served(web: SandboxWeb, http: aiohttp.ClientSession) -> None:
    async with http.get(web.url) as page:
        html = await page.text()
    assert 'for="acting-as">Acting as</label>' in html
    for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
        async with http.get(f"{web.url}static/{asset}") as response:
            assert (response.status, response.content_type) == (200, kind)
    async with http.get(f"{web.url}static/secrets.txt") as missing:
        assert missing.status == 404


async def test_each_person_sees_what_slack_would_show_them(
    web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack
) -> None:
    alice, bob = user_id(slack, "alice"), user_id(slack, "bob")
    secret = slack.add_channel("inc-2-secret", members=[alice, slack.bot_user_id], is_private=True)
    general = channel_named(slack, "general")
    slack.workspace.ephemerals.append(
        Ephemeral(general.id, alice, slack.workspace.next_ts(), "only <@" + alice + ">")
    )

    def channel_names(html: str) -> list[str]:
        return [text_of(a) for a in one(parse(html), "nav").iterfind(".//a[@data-channel]")]

    assert channel_names(await get(http, web, "api/sidebar", alice)) == [
        "# alerts",
        "# general",
        "# inc-2-secret",
        "# incidents",
        "dispatchbot",
    ]
    assert "# inc-2-secret" not in channel_names(await get(http, web, "api/sidebar", bob))
    async with http.get(f"{web.url}api/channel/{secret.id}", params={"as": bob}) as refused:
        assert refused.status == 400

    seen_by_alice = parse(await get(http, web, f"api/channel/{general.id}", alice))
    ephemeral = one(seen_by_alice, ".//li[@class='message ephemeral']")
    assert "Only visible to you" in text_of(one(ephemeral, "div[@class='meta']"))
    assert text_of(one(ephemeral, "div[@class='blocks']")) == "only @Alice Adams"
    composer = one(seen_by_alice, ".//form[@class='composer']/textarea")
    assert composer.get("aria-label") == "Message #general"
    assert (
        parse(await get(http, web, f"api/channel/{general.id}", bob)).find(
            ".//li[@class='message ephemeral']"
        )
        is None
    )


async def test_messages_are_paginated_newest_last(
    web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack
) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    for n in range(150):
        await slack.as_user(alice).post(general.id, f"message {n}")
    page = parse(await get(http, web, f"api/channel/{general.id}", alice))
    texts = [text_of(one(m, "div[@class='blocks']")) for m in page.iterfind(".//li[@class='message']")]
    assert (len(texts), texts[0], texts[-1]) == (100, "message 50", "message 149")
    assert one(page, ".//button[@class='older']").get("data-limit") == "200"


async def test_changes_are_streamed(web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    async with http.get(web.url + "api/events") as stream:
        assert (await stream.content.readuntil(b"\n\n")).startswith(b"retry: 1000\nevent: hello")
        async with http.post(
            web.url + "api/send", json={"as": alice, "channel": general.id, "text": "hello"}
        ) as sent:
            assert sent.status == 200
        event = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 5)
    kind, data = event.decode().strip().split("\n")
    assert kind == "event: changed"
    assert json.loads(data.removeprefix("data: ")) == {
        "channels": [general.id],
        "users": [alice],
        "everything": False,
    }


async def test_refusals(web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    async with http.post(
        web.url + "api/send", json={"as": alice, "channel": general.id, "text": "/nope x"}
    ) as unknown:
        assert (unknown.status, await unknown.json()) == (400, {"error": "/nope is not a valid command"})
    async with http.post(web.url + "api/send", data="as=x") as form:
        assert form.status == 415, "only JSON, which another site cannot post without a preflight"
    for body in ("[1, 2]", "{not json"):
        headers = {"Content-Type": "application/json"}
        async with http.post(web.url + "api/send", data=body, headers=headers) as malformed:
            assert (malformed.status, await malformed.json()) == (400, {"error": "send a JSON object"})
    async with http.get(web.url + "api/session", headers={"Host": "evil.test"}) as rebound:
        assert rebound.status == 403
    async with http.get(web.url + "api/sidebar", params={"as": slack.bot_user_id}) as bot:
        assert bot.status == 400


async def test_threads(web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    parent = await slack.as_user(alice).post(general.id, "parent")
    async with http.post(
        web.url + "api/send", json={"as": alice, "channel": general.id, "text": "reply", "thread": parent.ts}
    ) as sent:
        assert sent.status == 200
    channel = parse(await get(http, web, f"api/channel/{general.id}", alice))
    assert [text_of(one(m, "div[@class='blocks']")) for m in channel.iterfind(".//li[@class='message']")] == [
        "parent"
    ]
    assert one(channel, ".//button[@class='thread-link']").text == "1 reply"
    thread = parse(await get(http, web, f"api/thread/{general.id}/{parent.ts}", alice))
    aside = one(thread, "aside")
    assert aside.get("aria-label") == "Thread"
    assert [text_of(one(m, "div[@class='blocks']")) for m in aside.iterfind(".//li")] == ["parent", "reply"]
    assert one(aside, ".//textarea").get("aria-label") == "Reply in thread"
    ids = [e.get("id") for root in (channel, thread) for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "a page shows the channel and the thread at once"


async def test_unread_marks(web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack) -> None:
    alice, bob = user_id(slack, "alice"), user_id(slack, "bob")
    general = channel_named(slack, "general")

    async def flagged(who: str, **query: str) -> list[str]:
        async with http.get(web.url + "api/sidebar", params={"as": who, **query}) as response:
            nav = one(parse(await response.text()), "nav")
        return [text_of(one(li, "a")) for li in nav.iterfind(".//li[@class='unread']")]

    await slack.as_user(bob).post(general.id, "anyone around?")
    assert await flagged(alice) == ["# general"]
    assert await flagged(bob) == [], "one's own message is read"
    assert await flagged(alice, open=general.id) == [], "not in the channel the page is about to show"
    await get(http, web, f"api/channel/{general.id}", alice)
    assert await flagged(alice) == []


async def test_a_dispatch_action_sends_and_keeps_what_was_typed(
    web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack
) -> None:
    alice = user_id(slack, "alice")
    kinds = [{"text": {"type": "plain_text", "text": k}, "value": k.lower()} for k in ("Bug", "Outage")]
    view = open_modal(
        slack.workspace,
        alice,
        {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Run"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "title",
                    "label": {"type": "plain_text", "text": "Title"},
                    "element": {"type": "plain_text_input", "action_id": "title"},
                },
                {
                    "type": "input",
                    "block_id": "kind",
                    "dispatch_action": True,
                    "label": {"type": "plain_text", "text": "Kind"},
                    "element": {"type": "static_select", "action_id": "kind", "options": kinds},
                },
            ],
        },
    )
    target = {"container": "view", "view_id": view.id, "block_id": "kind", "action_id": "kind"}
    values = {"title": {"title": "typed first"}, "kind": {"kind": "outage"}}
    async with http.post(
        web.url + "api/action", json={"as": alice, **target, "dispatch": True, "values": values}
    ) as sent:
        assert sent.status == 400, "no app is connected to answer"
    body = slack.deliveries[-1].body
    assert [(a["action_id"], a["selected_option"]["value"]) for a in body["actions"]] == [("kind", "outage")]
    assert body["view"]["state"]["values"]["title"]["title"]["value"] == "typed first"
    modal = parse(await get(http, web, "api/modal", alice))
    assert one(modal, ".//input[@data-block-id='title']").get("value") == "typed first"


async def test_an_overflow_menu_choice_is_sent(
    web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack
) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    choices = [{"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Edit", "Delete")]
    menu = {"type": "overflow", "action_id": "more", "options": choices}
    bot = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    blocks = [{"type": "actions", "block_id": "tools", "elements": [menu]}]
    posted = await bot.chat_postMessage(channel=general.id, text="menu", blocks=blocks)
    page = parse(await get(http, web, f"api/channel/{general.id}", alice))
    select = one(page, ".//select[@data-kind='overflow']")
    assert [o.text for o in select.iterfind("option")] == ["Choose…", "Edit", "Delete"]
    target = {"container": "message", "channel": general.id, "ts": posted["ts"]}
    async with http.post(
        web.url + "api/action",
        json={"as": alice, **target, "block_id": "tools", "action_id": "more", "option": "delete"},
    ) as sent:
        assert sent.status == 400, "no app is connected to answer"
    (action,) = slack.deliveries[-1].body["actions"]
    assert (action["type"], action["selected_option"]["value"]) == ("overflow", "delete")


async def test_a_click_on_a_message_redrawn_since_still_arrives(
    web: SandboxWeb, http: aiohttp.ClientSession, slack: FakeSlack
) -> None:
    alice = user_id(slack, "alice")
    general = channel_named(slack, "general")
    bot = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)

    def header(block_id: str) -> list[dict[str, object]]:
        label = {"type": "plain_text", "text": "Join"}
        join = {"type": "button", "action_id": "join_incident", "text": label}
        return [{"type": "actions", "block_id": block_id, "elements": [join]}]

    posted = await bot.chat_postMessage(channel=general.id, text="INC-1", blocks=header("first"))
    await bot.chat_update(channel=general.id, ts=posted["ts"], text="INC-1", blocks=header("redrawn"))
    shown_before = {"block_id": "first", "action_id": "join_incident"}
    async with http.post(
        web.url + "api/action",
        json={"as": alice, "container": "message", "channel": general.id, "ts": posted["ts"], **shown_before},
    ) as sent:
        assert sent.status == 400, "no app is connected to answer"
    (action,) = slack.deliveries[-1].body["actions"]
    assert (action["block_id"], action["action_id"]) == ("redrawn", "join_incident")
