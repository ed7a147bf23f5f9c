"""Modals and App Home through the real client, and filling views by label like a person does."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import ClientRefused, FakeSlack


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def opts(*texts: str) -> list[dict[str, Any]]:
    return [{"text": plain(t), "value": t.lower()} for t in texts]


def field(label: str, element: dict[str, Any], block_id: str, *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": {"action_id": "v", **element},
    }


REPORT = {
    "type": "modal",
    "callback_id": "report",
    "title": plain("Report incident"),
    "submit": plain("Report"),
    "private_metadata": "from-slash",
    "blocks": [
        field("Title", {"type": "plain_text_input"}, "title"),
        field("Severity", {"type": "static_select", "options": opts("Low", "High")}, "severity"),
        field("Tags", {"type": "multi_static_select", "options": opts("db", "api")}, "tags", optional=True),
        field("Commander", {"type": "users_select"}, "commander"),
        field("Helpers", {"type": "multi_users_select"}, "helpers", optional=True),
        field("Channel", {"type": "conversations_select"}, "conv", optional=True),
        field("Visibility", {"type": "radio_buttons", "options": opts("Open", "Restricted")}, "vis"),
        field("Flags", {"type": "checkboxes", "options": opts("Page on-call")}, "flags", optional=True),
        field("Started", {"type": "datepicker"}, "date", optional=True),
        field("At", {"type": "timepicker"}, "time", optional=True),
        field("Customers hit", {"type": "number_input", "is_decimal_allowed": False}, "num", optional=True),
        field("Contact", {"type": "email_text_input"}, "mail", optional=True),
        field(
            "Dashboard", {"type": "url_text_input", "initial_value": "https://grafana"}, "url", optional=True
        ),
        {"type": "actions", "elements": [{"type": "button", "text": plain("Add responder"), "value": "add"}]},
    ],
}


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_fill_by_label_builds_slack_state_values(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    gen = fake.add_channel("general", members=[alice.id])
    opened = await client.views_open(trigger_id=fake.workspace.issue_trigger(alice.id), view=REPORT)
    assert opened["view"]["state"]["values"]["url"] == {
        "v": {"type": "url_text_input", "value": "https://grafana"}
    }
    view = await fake.as_user(alice).wait_for_view()
    assert (view.id, view.title, view.callback_id, view.private_metadata) == (
        opened["view"]["id"],
        "Report incident",
        "report",
        "from-slash",
    )
    assert view.input_labels()[:4] == ["Title", "Severity", "Tags", "Commander"]
    # Slack assigns block ids to blocks that lack one
    assert view.blocks[-1]["block_id"]
    assert view.blocks[-1]["elements"][0]["action_id"]

    with pytest.raises(ClientRefused, match="required inputs are empty"):
        await view.submit()
    with pytest.raises(ClientRefused, match="no option 'Critical'"):
        view.fill({"Severity": "Critical"})
    with pytest.raises(ClientRefused, match="no input labelled"):
        view.fill({"Nope": "x"})

    view.fill(
        {
            "Title": "DB latency",
            "Severity": "High",
            "Tags": ["db", "api"],
            "Commander": alice.id,
            "Helpers": [alice, bob],
            "Channel": gen.id,
            "Visibility": "Restricted",
            "Flags": ["Page on-call"],
            "Started": "2026-11-23",
            "At": "09:30",
            "Customers hit": 12,
            "Contact": "ops@example.com",
        }
    )
    values = view.values
    assert values["title"] == {"v": {"type": "plain_text_input", "value": "DB latency"}}
    assert values["severity"]["v"]["selected_option"] == {"text": plain("High"), "value": "high"}
    assert [o["value"] for o in values["tags"]["v"]["selected_options"]] == ["db", "api"]
    assert values["commander"] == {"v": {"type": "users_select", "selected_user": alice.id}}
    assert values["helpers"]["v"]["selected_users"] == [alice.id, bob.id]
    assert values["conv"]["v"]["selected_conversation"] == gen.id
    assert values["vis"]["v"]["selected_option"]["value"] == "restricted"
    assert values["date"]["v"]["selected_date"] == "2026-11-23"
    assert values["time"]["v"]["selected_time"] == "09:30"
    assert values["num"]["v"]["value"] == "12"
    with pytest.raises(ClientRefused):
        view.fill({"Customers hit": 1.5})
    with pytest.raises(ClientRefused):
        view.fill({"Started": "23/11/2026"})


async def test_trigger_ids_expire_and_are_single_use(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice = fake.add_user("alice")
    trigger = fake.workspace.issue_trigger(alice.id)
    await client.views_open(trigger_id=trigger, view=REPORT)
    assert await error_of(client.views_open(trigger_id=trigger, view=REPORT)) == "exchanged_trigger_id"
    assert await error_of(client.views_open(trigger_id="123.456.abc", view=REPORT)) == "invalid_trigger_id"
    stale = fake.workspace.issue_trigger(alice.id)
    fake.workspace.triggers[stale].issued_at -= 3.5  # as if 3.5 s passed before the app used it
    assert await error_of(client.views_open(trigger_id=stale, view=REPORT)) == "expired_trigger_id"
    huge = {**REPORT, "blocks": [{"type": "divider"}] * 101}
    assert await error_of(
        client.views_open(trigger_id=fake.workspace.issue_trigger(alice.id), view=huge)
    ) == ("invalid_blocks")


async def test_update_push_and_home(fake: FakeSlack, client: AsyncWebClient) -> None:
    alice = fake.add_user("alice")
    person = fake.as_user(alice)
    loading = {"type": "modal", "title": plain("Working"), "external_id": "run-1", "blocks": []}
    opened = (await client.views_open(trigger_id=fake.workspace.issue_trigger(alice.id), view=loading))[
        "view"
    ]
    assert (await person.wait_for_view()).title == "Working"

    assert (
        await error_of(client.views_update(view_id=opened["id"], hash="stale", view=REPORT))
        == "hash_conflict"
    )
    assert await error_of(client.views_update(view_id="V404", view=REPORT)) == "not_found"
    await client.views_update(external_id="run-1", hash=opened["hash"], view=REPORT)
    view = await person.wait_for_view(callback_id="report")
    assert view.id == opened["id"]
    assert view.hash != opened["hash"]

    view.fill({"Title": "kept"})
    await client.views_update(view_id=view.id, view=REPORT)
    assert view.values["title"]["v"]["value"] == "kept"  # same block/action ids keep typed values

    pushed = await client.views_push(trigger_id=fake.workspace.issue_trigger(alice.id), view=loading)
    assert pushed["view"]["previous_view_id"] == view.id
    assert pushed["view"]["root_view_id"] == view.id
    assert (await person.wait_for_view()).id == pushed["view"]["id"]

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "No incidents"}}],
    }
    first = (await client.views_publish(user_id=alice.id, view=home))["view"]
    again = (await client.views_publish(user_id=alice.id, view=home, hash=first["hash"]))["view"]
    assert first["id"] == again["id"] == fake.home_view(alice.id).id  # type: ignore[union-attr]
    assert await error_of(client.views_publish(user_id=alice.id, view=home, hash="old")) == "hash_conflict"
