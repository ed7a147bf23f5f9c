"""The fake's Web API, called through the real slack_sdk AsyncWebClient (all three encodings)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import FakeSlack


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_auth_and_tokens(fake: FakeSlack, client: AsyncWebClient) -> None:
    me = await client.auth_test()
    assert (me["user_id"], me["team_id"], me["bot_id"]) == ("U0BOT", "T0001", "B0001")
    assert (await client.api_test(foo="bar"))["args"] == {"foo": "bar"}
    assert (await client.team_info())["team"]["id"] == "T0001"

    assert await error_of(AsyncWebClient(base_url=fake.api_url).auth_test()) == "not_authed"
    assert (
        await error_of(AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test())
        == "invalid_auth"
    )
    assert await error_of(AsyncWebClient(token=fake.app_token, base_url=fake.api_url).auth_test()) == (
        "not_allowed_token_type"
    )
    assert await error_of(client.apps_connections_open(app_token=fake.bot_token)) == "not_allowed_token_type"
    url = (await client.apps_connections_open(app_token=fake.app_token))["url"]
    assert url.startswith(f"ws://127.0.0.1:{fake.port}/link/?ticket=")
    assert await error_of(client.api_call("nope.nothing")) == "unknown_method"
    # every call is logged, failed ones included, with the token that made it
    assert [(c.method, c.error) for c in fake.calls[-3:]] == [
        ("apps.connections.open", "not_allowed_token_type"),
        ("apps.connections.open", None),
        ("nope.nothing", "unknown_method"),
    ]
    assert fake.calls_to("auth.test")[0].token == fake.bot_token


async def test_the_three_request_encodings_are_parsed(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice = fake.add_user("alice", email="alice@example.com", tz="Europe/Berlin")
    await client.conversations_create(name="form-encoded")  # form body
    await client.chat_postMessage(channel=alice.id, text="json body")  # JSON body
    found = await client.users_lookupByEmail(email="ALICE@example.com")  # GET + query string
    assert found["user"]["id"] == alice.id
    assert found["user"]["tz"] == "Europe/Berlin"
    assert found["user"]["tz_offset"] in (3600, 7200)
    assert fake.calls_to("conversations.create")[0].args == {"name": "form-encoded"}
    assert fake.calls_to("chat.postMessage")[0].args == {"channel": alice.id, "text": "json body"}
    assert fake.calls_to("users.lookupByEmail")[0].args == {"email": "ALICE@example.com"}
    assert [m.text for m in fake.dms(alice.id)] == ["json body"]


async def test_users(fake: FakeSlack, client: AsyncWebClient) -> None:
    users = [fake.add_user(f"user{i}", real_name=f"User {i}", email=f"u{i}@example.com") for i in range(3)]
    fake.add_user("gone", email="gone@example.com", deleted=True)
    info = await client.users_info(user=users[0].id)
    assert info["user"]["profile"]["email"] == "u0@example.com"
    assert info["user"]["real_name"] == "User 0"
    assert await error_of(client.users_info(user="U404")) == "user_not_found"
    assert await error_of(client.users_lookupByEmail(email="gone@example.com")) == "users_not_found"
    assert (await client.users_profile_get(user=users[1].id))["profile"]["real_name"] == "User 1"

    first = await client.users_list(limit=3)
    second = await client.users_list(limit=3, cursor=first["response_metadata"]["next_cursor"])
    assert second["response_metadata"]["next_cursor"] == ""
    assert len(first["members"]) + len(second["members"]) == 5  # bot + 3 + deleted


async def test_channel_lifecycle_and_membership(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    for name, error in [
        ("Has-Caps", "invalid_name_specialchars"),
        ("with space", "invalid_name_specialchars"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ]:
        assert await error_of(client.conversations_create(name=name)) == error
    created = (await client.conversations_create(name="inc-42-db", is_private=True))["channel"]
    assert created["is_private"]
    assert created["is_member"]
    assert created["creator"] == "U0BOT"
    assert await error_of(client.conversations_create(name="inc-42-db")) == "name_taken"
    channel = created["id"]

    await client.conversations_invite(channel=channel, users=f"{alice.id},{bob.id}")
    assert fake.workspace.channels[channel].members == ["U0BOT", alice.id, bob.id]
    assert (
        await error_of(client.conversations_invite(channel=channel, users=alice.id)) == "already_in_channel"
    )
    assert await error_of(client.conversations_invite(channel=channel, users="U0BOT")) == "cant_invite_self"
    assert await error_of(client.conversations_invite(channel=channel, users="U404")) == "user_not_found"
    assert (await client.conversations_members(channel=channel))["members"] == ["U0BOT", alice.id, bob.id]

    await client.conversations_setTopic(channel=channel, topic="Sev1 | IC: alice")
    await client.conversations_setPurpose(channel=channel, purpose="Database latency")
    info = (await client.conversations_info(channel=channel))["channel"]
    assert info["topic"]["value"] == "Sev1 | IC: alice"
    assert info["purpose"]["value"] == "Database latency"

    await client.conversations_kick(channel=channel, user=bob.id)
    assert bob.id not in fake.workspace.channels[channel].members
    await client.conversations_archive(channel=channel)
    assert await error_of(client.conversations_archive(channel=channel)) == "already_archived"
    assert await error_of(client.chat_postMessage(channel=channel, text="x")) == "is_archived"
    assert await error_of(client.conversations_invite(channel=channel, users=bob.id)) == "is_archived"
    # Slack's documented limitation: bot tokens cannot unarchive; a person does it from the channel.
    assert await error_of(client.conversations_unarchive(channel=channel)) == "not_in_channel"
    await fake.as_user(alice).unarchive(channel)
    assert await error_of(client.conversations_unarchive(channel=channel)) == "not_archived"

    await client.conversations_leave(channel=channel)
    # a private channel the bot left no longer exists for it
    assert await error_of(client.conversations_info(channel=channel)) == "channel_not_found"

    public = fake.add_channel("general", members=[alice.id])
    assert await error_of(client.conversations_invite(channel=public.id, users=bob.id)) == "not_in_channel"
    await client.conversations_join(channel=public.id)
    await client.conversations_invite(channel=public.id, users=bob.id)
    listed = await client.conversations_list(types="public_channel,private_channel")
    assert [c["name"] for c in listed["channels"]] == ["general"]


async def test_posting_threads_and_history(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice = fake.add_user("alice")
    gen = fake.add_channel("general", members=[alice.id, fake.bot_user_id])
    secret = fake.add_channel("secret", members=[alice.id], is_private=True)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Incident*"}}]
    parent = await client.chat_postMessage(channel=gen.id, text="Incident declared", blocks=blocks)
    assert parent["message"]["bot_id"] == "B0001"
    assert parent["message"]["blocks"][0]["text"] == blocks[0]["text"]
    assert parent["message"]["blocks"][0]["block_id"]  # Slack fills in missing block ids
    reply = await client.chat_postMessage(channel=gen.id, text="update 1", thread_ts=parent["ts"])

    history = (await client.conversations_history(channel=gen.id))["messages"]
    assert [m["text"] for m in history] == ["Incident declared"]
    assert history[0]["reply_count"] == 1
    assert history[0]["latest_reply"] == reply["ts"]
    thread = (await client.conversations_replies(channel=gen.id, ts=parent["ts"]))["messages"]
    assert [m["text"] for m in thread] == ["Incident declared", "update 1"]

    await client.chat_update(channel=gen.id, ts=parent["ts"], text="Incident resolved")
    stored = fake.messages(gen.id)[0]
    assert stored.text == "Incident resolved"
    assert stored.blocks == parent["message"]["blocks"]
    assert stored.edited is not None
    link = (await client.chat_getPermalink(channel=gen.id, message_ts=reply["ts"]))["permalink"]
    assert link.endswith(f"?thread_ts={parent['ts']}&cid={gen.id}")
    await client.chat_delete(channel=gen.id, ts=reply["ts"])
    assert [m.text for m in fake.messages(gen.id)] == ["Incident resolved"]

    human = await fake.as_user(alice).post(gen.id, "I'm on it")
    assert await error_of(client.chat_update(channel=gen.id, ts=human.ts, text="x")) == "cant_update_message"
    assert await error_of(client.chat_delete(channel=gen.id, ts=human.ts)) == "cant_delete_message"
    assert await error_of(client.chat_update(channel=gen.id, ts="1.000001", text="x")) == "message_not_found"

    assert await error_of(client.chat_postMessage(channel=secret.id, text="x")) == "not_in_channel"
    assert await error_of(client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    # (api_call: chat_postMessage itself warns about a missing text before sending)
    assert await error_of(client.api_call("chat.postMessage", json={"channel": gen.id})) == "no_text"
    assert await error_of(client.chat_postMessage(channel=gen.id, text="x" * 40001)) == "msg_too_long"
    too_many = [{"type": "divider"}] * 51
    assert (
        await error_of(client.chat_postMessage(channel=gen.id, text="x", blocks=too_many)) == "invalid_blocks"
    )
    header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    assert (
        await error_of(client.chat_postMessage(channel=gen.id, text="x", blocks=header)) == "invalid_blocks"
    )

    outsider = fake.add_user("outsider")
    await client.chat_postEphemeral(channel=gen.id, user=alice.id, text="only you")
    assert [e.text for e in fake.ephemerals(gen.id, user=alice.id)] == ["only you"]
    assert await error_of(client.chat_postEphemeral(channel=gen.id, user=outsider.id, text="x")) == (
        "user_not_in_channel"
    )

    im = (await client.conversations_open(users=alice.id))["channel"]["id"]
    assert im.startswith("D")
    assert (await client.conversations_open(users=alice.id))["channel"]["id"] == im


async def test_pins_reactions_bookmarks(fake: FakeSlack, client: AsyncWebClient) -> None:
    gen = fake.add_channel("general", members=[fake.bot_user_id])
    ts = (await client.chat_postMessage(channel=gen.id, text="summary"))["ts"]

    await client.pins_add(channel=gen.id, timestamp=ts)
    assert fake.messages(gen.id)[0].pinned
    assert await error_of(client.pins_add(channel=gen.id, timestamp=ts)) == "already_pinned"
    assert [i["message"]["ts"] for i in (await client.pins_list(channel=gen.id))["items"]] == [ts]
    await client.pins_remove(channel=gen.id, timestamp=ts)
    assert await error_of(client.pins_remove(channel=gen.id, timestamp=ts)) == "no_pin"

    await client.reactions_add(channel=gen.id, timestamp=ts, name="eyes")
    assert (
        await error_of(client.reactions_add(channel=gen.id, timestamp=ts, name="eyes")) == "already_reacted"
    )
    got = await client.reactions_get(channel=gen.id, timestamp=ts)
    assert got["message"]["reactions"] == [{"name": "eyes", "users": ["U0BOT"], "count": 1}]
    await client.reactions_remove(channel=gen.id, timestamp=ts, name="eyes")
    assert await error_of(client.reactions_remove(channel=gen.id, timestamp=ts, name="eyes")) == "no_reaction"

    added = await client.bookmarks_add(channel_id=gen.id, title="Doc", type="link", link="https://docs/1")
    bookmark_id = added["bookmark"]["id"]
    await client.bookmarks_edit(channel_id=gen.id, bookmark_id=bookmark_id, title="Incident doc")
    assert [b["title"] for b in (await client.bookmarks_list(channel_id=gen.id))["bookmarks"]] == [
        "Incident doc"
    ]
    await client.bookmarks_remove(channel_id=gen.id, bookmark_id=bookmark_id)
    assert gen.bookmarks == []
    assert await error_of(client.bookmarks_remove(channel_id=gen.id, bookmark_id=bookmark_id)) == "not_found"
