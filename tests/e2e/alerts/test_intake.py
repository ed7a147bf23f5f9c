"""POST /alerts/{source} end to end: who may send, each format's firing and recovery, and retries.

The bot runs in-process against the fake Slack; each test asserts on the HTTP answer, on the stored
alerts (`deps.alerts`) and on what the channel shows.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from dispatchbot.alerting.model import AlertState
from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack
from dispatchbot.testing.slack.state import Message
from tests.alert_formats.samples import sns_envelope
from tests.e2e.alerts.support import (
    CHANNEL,
    TOKEN,
    alert_settings,
    delivered,
    post,
    replies,
    send,
    top_level,
)
from tests.e2e.conftest import StartBot
from tests.support.waiting import eventually, eventually_value

DISK_FULL: dict[str, Any] = {
    "status": "firing",
    "labels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
    "annotations": {"summary": "Disk 95% on db1"},
    "startsAt": "2026-01-05T10:00:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prom/graph?g0.expr=x",
    "fingerprint": "1a30ba71cca2921f",
}
ALERTMANAGER: dict[str, Any] = {"version": "4", "status": "firing", "groupKey": "{}", "alerts": [DISK_FULL]}
GRAFANA = {**ALERTMANAGER, "orgId": 1, "state": "alerting"}
GENERIC = {
    "title": "Checkout 5xx > 2%",
    "status": "firing",
    "deduplication_key": "checkout-5xx",
    "severity": "critical",
    "description": "The checkout service answers 5xx",
    "source_url": "https://grafana.example/d/x",
    "metadata": {"service": "checkout"},
}
PAGERDUTY = {
    "routing_key": TOKEN,
    "event_action": "trigger",
    "dedup_key": "db1-disk",
    "payload": {"summary": "Disk 95% on db1", "source": "db1", "severity": "critical"},
}
MAPBOX = {
    "type": "self-service",
    "requestId": "a1b2c3",
    "users": [{"slackId": "U123", "github": "alice"}],
    "body": {
        "github": {"title": "2FA disabled: alice", "body": "Two-factor auth was turned off"},
        "slack": {"message": "2FA was disabled on your account.", "prompt": "Did you do this?"},
    },
}


@pytest.fixture
async def channel(slack: FakeSlack) -> Channel:
    return slack.add_channel(CHANNEL, members=[slack.bot_user_id])


@pytest.fixture
async def running(slack: FakeSlack, database_url: str, start_bot: StartBot, channel: Channel) -> Running:
    running = await start_bot(alert_settings(slack, database_url))
    await slack.socket.wait_connected()
    return running


# ------------------------------------------------------------------------------------------ auth


async def test_a_bearer_token_a_basic_password_and_a_routing_key_are_each_accepted(running: Running) -> None:
    assert (await post(running, "generic", GENERIC, auth="bearer"))[0] == 202
    assert (await post(running, "generic", {**GENERIC, "deduplication_key": "b"}, auth="basic"))[0] == 202
    status, body = await post(running, "pagerduty", PAGERDUTY, auth="none")  # routing_key only
    assert (status, body) == (
        202,
        {"status": "accepted", "alerts": [{"dedup_key": "db1-disk", "action": "created"}]},
    )
    stored = await running.deps.alerts.listing(firing_only=True, limit=10)
    assert sorted((a.source, a.dedup_key) for a in stored) == [
        ("generic", "b"),
        ("generic", "checkout-5xx"),
        ("pagerduty", "db1-disk"),
    ]


async def test_every_refusal_of_credentials_is_the_same_401_and_stores_nothing(
    slack: FakeSlack, running: Running
) -> None:
    answers = {
        "missing token": await send(running, "generic", GENERIC, auth="none"),
        "wrong token": await send(running, "generic", GENERIC, token="not-the-token-0123456789"),
        "unknown source": await send(running, "nagios", GENERIC),
        "empty bearer": await send(running, "generic", GENERIC, token=""),
        "wrong Basic password": await send(
            running, "generic", GENERIC, token="wrong-0123456789", auth="basic"
        ),
        "wrong routing_key": await send(
            running, "pagerduty", {**PAGERDUTY, "routing_key": "wrong-key-0123456789"}, auth="none"
        ),
        "wrong token, not JSON": await send(running, "generic", b"{oops", token="not-the-token-0123456789"),
        "no token, not JSON": await send(running, "generic", b"{oops", auth="none"),
        "unknown source, not JSON": await send(running, "nagios", b"{oops"),
    }
    expected = (401, {"status": "unauthorized", "error": "unknown source or missing or wrong token"})
    assert {why: (reply.status, reply.body) for why, reply in answers.items()} == dict.fromkeys(
        answers, expected
    )
    assert await running.deps.alerts.listing(firing_only=False, limit=10) == []
    assert slack.calls_to("chat.postMessage") == []


# --------------------------------------------------------------------------------------- formats


def _resolved_group(group: dict[str, Any]) -> dict[str, Any]:
    resolved = copy.deepcopy(group)
    resolved["status"] = "resolved"
    resolved["alerts"][0].update(status="resolved", endsAt="2026-01-05T10:30:00Z")
    return resolved


FIRING_AND_RESOLVED = {
    "alertmanager": ("alertmanager", ALERTMANAGER, _resolved_group(ALERTMANAGER), "1a30ba71cca2921f"),
    "grafana": ("grafana", GRAFANA, _resolved_group(GRAFANA), "1a30ba71cca2921f"),
    "pagerduty": ("pagerduty", PAGERDUTY, {**PAGERDUTY, "event_action": "resolve"}, "db1-disk"),
    "generic": (
        "generic",
        GENERIC,
        {"status": "resolved", "deduplication_key": "checkout-5xx"},
        "checkout-5xx",
    ),
    "auto: alertmanager": ("prometheus", ALERTMANAGER, _resolved_group(ALERTMANAGER), "1a30ba71cca2921f"),
    "auto: grafana": ("prometheus", GRAFANA, _resolved_group(GRAFANA), "1a30ba71cca2921f"),
    "auto: pagerduty": ("prometheus", PAGERDUTY, {**PAGERDUTY, "event_action": "resolve"}, "db1-disk"),
    "auto: generic": ("prometheus", GENERIC, {**GENERIC, "status": "resolved"}, "checkout-5xx"),
}


@pytest.mark.parametrize(
    ("source", "firing", "resolved", "key"), FIRING_AND_RESOLVED.values(), ids=list(FIRING_AND_RESOLVED)
)
async def test_each_format_fires_one_message_and_recovers_with_one_reply(
    slack: FakeSlack,
    running: Running,
    channel: Channel,
    source: str,
    firing: dict[str, Any],
    resolved: dict[str, Any],
    key: str,
) -> None:
    assert await post(running, source, firing) == (
        202,
        {"status": "accepted", "alerts": [{"dedup_key": key, "action": "created"}]},
    )
    message = await eventually_value(_first_message(slack, channel), what="the alert's message")
    assert await post(running, source, resolved) == (
        202,
        {"status": "accepted", "alerts": [{"dedup_key": key, "action": "resolved"}]},
    )
    await eventually(lambda: len(replies(slack, message)) == 1, what="one recovery reply")
    await eventually(
        lambda: "(recovered)" in _current(slack, message).text, what="the message marked recovered"
    )
    [alert] = await running.deps.alerts.find(source, key)
    assert alert.state is AlertState.RESOLVED
    assert [entry.action for entry in await running.deps.alerts.audit_trail(alert.id)][:2] == [
        "created",
        "resolved",
    ]
    await delivered(running)
    assert len(top_level(slack, channel.id)) == 1
    assert len(replies(slack, message)) == 1


async def test_pagerduty_acknowledge_then_resolve(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    assert (await post(running, "pagerduty", PAGERDUTY))[1]["alerts"][0]["action"] == "created"
    message = await eventually_value(_first_message(slack, channel), what="the alert's message")
    acknowledge = {**PAGERDUTY, "event_action": "acknowledge"}
    assert (await post(running, "pagerduty", acknowledge))[1]["alerts"] == [
        {"dedup_key": "db1-disk", "action": "acknowledged"}
    ]
    [alert] = await running.deps.alerts.find("pagerduty", "db1-disk")
    assert alert.acknowledgement is not None
    assert alert.acknowledgement.by == "source:pagerduty"
    await eventually(lambda: len(replies(slack, message)) == 1, what="the acknowledgement reply")
    resolve = {**PAGERDUTY, "event_action": "resolve"}
    assert (await post(running, "pagerduty", resolve))[1]["alerts"][0]["action"] == "resolved"
    await eventually(lambda: len(replies(slack, message)) == 2, what="the recovery reply")
    actions = [entry.action for entry in await running.deps.alerts.audit_trail(alert.id)]
    assert actions[:3] == ["created", "acknowledged", "resolved"]
    assert len(top_level(slack, channel.id)) == 1


async def test_pagerduty_trigger_without_dedup_key_gets_one_and_its_retry_lands_on_it(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    event = {key: value for key, value in PAGERDUTY.items() if key != "dedup_key"}
    status, body = await post(running, "pagerduty", event)
    assert status == 202
    [outcome] = body["alerts"]
    assert outcome["action"] == "created"
    key = outcome["dedup_key"]
    assert len(key) >= 16
    assert (await post(running, "pagerduty", event))[1]["alerts"] == [
        {"dedup_key": key, "action": "deduplicated"}
    ]
    [alert] = await running.deps.alerts.find("pagerduty", key)
    assert alert.count == 1
    await delivered(running)
    assert len(top_level(slack, channel.id)) == 1


async def test_mapbox_direct_and_in_an_sns_envelope(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    signal = {"name": "Security", "source": "mapbox", "route": "channel", "channel": f"#{CHANNEL}"}
    running = await start_bot(alert_settings(slack, database_url, signals=[signal]))
    await slack.socket.wait_connected()
    assert await post(running, "mapbox", MAPBOX) == (
        202,
        {"status": "accepted", "alerts": [{"dedup_key": "a1b2c3", "action": "created"}]},
    )
    message = await eventually_value(_first_message(slack, channel), what="the mapbox alert's message")
    assert "2FA disabled: alice" in message.text
    # the same message again, as SNS delivers it: recognised as the same alert
    assert (await post(running, "mapbox", sns_envelope(MAPBOX)))[1]["alerts"] == [
        {"dedup_key": "a1b2c3", "action": "deduplicated"}
    ]
    other = {**MAPBOX, "requestId": "d4e5f6", "body": {"github": {"title": "Repo made public"}}}
    assert (await post(running, "mapbox", sns_envelope(other)))[1]["alerts"] == [
        {"dedup_key": "d4e5f6", "action": "created"}
    ]
    await eventually(lambda: len(top_level(slack, channel.id)) == 2, what="the second alert's message")
    [first] = await running.deps.alerts.find("mapbox", "a1b2c3")
    [second] = await running.deps.alerts.find("mapbox", "d4e5f6")
    assert (first.format, first.count, second.title) == ("mapbox", 1, "Repo made public")
    assert first.mapbox is not None
    assert first.mapbox.users[0].slack == "U123"


# --------------------------------------------------------------------------------------- repeats


async def test_the_same_body_again_changes_nothing(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    assert (await post(running, "prometheus", ALERTMANAGER))[1]["alerts"][0]["action"] == "created"
    message = await eventually_value(_first_message(slack, channel), what="the alert's message")
    assert (await post(running, "prometheus", ALERTMANAGER))[1]["alerts"] == [
        {"dedup_key": "1a30ba71cca2921f", "action": "deduplicated"}
    ]
    [alert] = await running.deps.alerts.find("prometheus", "1a30ba71cca2921f")
    assert alert.count == 1
    assert [entry.action for entry in await running.deps.alerts.audit_trail(alert.id)] == ["created"]
    await delivered(running)
    assert [call.args.get("channel") for call in slack.calls_to("chat.postMessage")] == [channel.id]
    assert slack.calls_to("chat.update") == []
    assert replies(slack, message) == []


async def test_a_different_repeat_bumps_the_count_and_edits_the_message(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    await post(running, "prometheus", ALERTMANAGER)
    message = await eventually_value(_first_message(slack, channel), what="the alert's message")
    assert "2 times" not in _shown(message)
    repeat = copy.deepcopy(ALERTMANAGER)
    repeat["alerts"][0]["annotations"]["description"] = "Still 95%"
    assert (await post(running, "prometheus", repeat))[1]["alerts"] == [
        {"dedup_key": "1a30ba71cca2921f", "action": "updated"}
    ]
    [alert] = await running.deps.alerts.find("prometheus", "1a30ba71cca2921f")
    assert alert.count == 2
    await eventually(
        lambda: "2 times" in _shown(_current(slack, message)), what="the message showing 2 times"
    )
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(top_level(slack, channel.id)) == 1


# --------------------------------------------------------------------------------------- metrics


async def test_metrics_count_alerts_by_source_format_and_action(running: Running) -> None:
    await post(running, "prometheus", ALERTMANAGER)
    await post(running, "prometheus", ALERTMANAGER)
    await post(running, "generic", GENERIC)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{running.port}/metrics") as response,
    ):
        families = {family.name: family for family in text_string_to_metric_families(await response.text())}
    alerts = {
        (sample.labels["source"], sample.labels["format"], sample.labels["action"]): sample.value
        for sample in families["dispatchbot_alerts"].samples
        if sample.name == "dispatchbot_alerts_total"
    }
    assert alerts == {
        ("prometheus", "alertmanager", "created"): 1.0,
        ("prometheus", "alertmanager", "deduplicated"): 1.0,
        ("generic", "generic", "created"): 1.0,
    }
    requests = {
        sample.labels["status"]: sample.value
        for sample in families["dispatchbot_alert_requests"].samples
        if sample.name == "dispatchbot_alert_requests_total"
    }
    assert requests == {"202": 3.0}


# --------------------------------------------------------------------------------------- helpers


def _first_message(slack: FakeSlack, channel: Channel) -> Any:
    async def probe() -> Message | None:
        messages = top_level(slack, channel.id)
        return messages[0] if messages else None

    return probe


def _current(slack: FakeSlack, message: Message) -> Message:
    found = slack.workspace.find_message(message.channel, message.ts)
    assert found is not None
    return found


def _shown(message: Message) -> str:
    return message.text + json.dumps(message.blocks)
