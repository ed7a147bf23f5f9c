"""Hostile and oversized input through POST /alerts/{source}: it is stored and shown safely, in bounds,
and never as a traceback or a flood of posts."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
import structlog

from dispatchbot.alert_formats.fields import LABEL_VALUE_LIMIT, LABELS_LIMIT, NESTING_LIMIT
from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack
from tests.e2e.alerts.support import CHANNEL, alert_settings, delivered, post, replies, top_level
from tests.e2e.conftest import StartBot
from tests.support.escaping import HOSTILE, unescaped
from tests.support.waiting import eventually

STORM_SIZE = 10_000


@pytest.fixture
async def channel(slack: FakeSlack) -> Channel:
    return slack.add_channel(CHANNEL, members=[slack.bot_user_id])


@pytest.fixture
async def running(slack: FakeSlack, database_url: str, start_bot: StartBot, channel: Channel) -> Running:
    running = await start_bot(alert_settings(slack, database_url, alerts={"max_body_bytes": 8 * 1024 * 1024}))
    await slack.socket.wait_connected()
    return running


async def test_markup_from_the_sender_reaches_slack_only_escaped(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    title = "Disk full <!channel> <@U123> Tom & Jerry"
    alert = {
        "title": title,
        "status": "firing",
        "deduplication_key": "hostile",
        "severity": "critical",
        "description": HOSTILE,
        "source_url": "https://grafana.example/d/x?a=1&b=<2>",
        "runbook_url": "javascript:alert(1)",
        "metadata": {"team": HOSTILE, HOSTILE[:40]: "value"},
    }
    assert (await post(running, "generic", alert))[0] == 202
    await eventually(lambda: len(top_level(slack, channel.id)) == 1, what="the alert's message")
    assert (await post(running, "generic", {**alert, "status": "resolved"}))[0] == 202
    [message] = top_level(slack, channel.id)
    await eventually(lambda: len(replies(slack, message)) == 1, what="the recovery reply")
    assert "&lt;!channel&gt;" in message.text
    assert "Tom &amp; Jerry" in message.text
    shown = [text for text in slack.workspace.shown_texts() if text.format == "mrkdwn" and text.text]
    assert len(shown) > 2
    assert [(text.where, found) for text in shown for found in unescaped(text.text)] == []
    [stored] = await running.deps.alerts.find("generic", "hostile")
    assert stored.title == title  # stored as sent; escaped only where it is shown


async def test_huge_labels_are_clipped_and_the_alert_still_shows(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    labels = {f"label{index:03}": "v" * 5000 for index in range(300)}
    group = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "Huge", **labels},
                "annotations": {"summary": "s" * 10_000},
                "fingerprint": "f" * 1000,
            }
        ],
    }
    status, body = await post(running, "alertmanager", group)
    assert status == 202, body
    [outcome] = body["alerts"]
    assert outcome["action"] == "created"
    assert len(outcome["dedup_key"]) <= 255
    [alert] = await running.deps.alerts.find("alertmanager", outcome["dedup_key"])
    assert len(alert.labels) == LABELS_LIMIT
    assert max(len(value) for value in alert.labels.values()) <= LABEL_VALUE_LIMIT
    assert len(alert.title) <= 250
    await eventually(lambda: len(top_level(slack, channel.id)) == 1, what="the alert's message")
    assert [call.error for call in slack.calls_to("chat.postMessage")] == [None]


async def test_json_nested_deeper_than_the_limit_gets_400_and_within_it_is_kept(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    def generic(key: str, levels: int) -> str:
        """A generic alert whose metadata nests `levels` deep in all (the payload and metadata are 2)."""
        inner = levels - 2
        return json.dumps({"title": "Deep", "deduplication_key": key, "metadata": {"deep": "X"}}).replace(
            '"X"', '{"a":' * inner + "1" + "}" * inner
        )

    assert (await post(running, "generic", generic("limit", NESTING_LIMIT)))[0] == 202
    [alert] = await running.deps.alerts.find("generic", "limit")
    assert alert.labels["deep"].startswith('{"a":{"a":')
    too_deep = (NESTING_LIMIT + 1, 940)  # 940: parsed, then too deep to hash or store (it was a 500)
    for levels in too_deep:
        assert await post(running, "generic", generic(f"deep{levels}", levels)) == (
            400,
            {
                "status": "invalid",
                "format": "generic",
                "field": None,
                "error": f"the payload nests deeper than {NESTING_LIMIT} levels",
            },
        )
    deep_message = {"type": "nag", "body": {"github": {"title": "X"}}, "extra": json.loads(generic("x", 300))}
    status, answer = await post(
        running, "mapbox", {"Type": "Notification", "Message": json.dumps(deep_message)}
    )
    assert (status, answer["field"]) == (400, "Message")
    assert [a.dedup_key for a in await running.deps.alerts.listing(firing_only=False, limit=10)] == ["limit"]
    await eventually(lambda: len(top_level(slack, channel.id)) == 1, what="the kept alert's message")


async def test_ten_thousand_alerts_in_one_group_are_all_stored_and_posted_as_one_storm(
    slack: FakeSlack, running: Running, channel: Channel
) -> None:
    group = {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="NodeDown"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "NodeDown", "instance": f"node{index}"},
                "annotations": {"summary": f"node{index} is down"},
                "fingerprint": f"{index:016x}",
            }
            for index in range(STORM_SIZE)
        ],
    }
    status, body = await post(running, "prometheus", group)
    assert status == 202
    assert len(body["alerts"]) == STORM_SIZE
    assert {outcome["action"] for outcome in body["alerts"]} == {"created"}
    assert len({outcome["dedup_key"] for outcome in body["alerts"]}) == STORM_SIZE
    stored = await running.deps.alerts.listing(firing_only=True, limit=2 * STORM_SIZE)
    assert len(stored) == STORM_SIZE
    await delivered(running, within=60)
    await eventually(
        lambda: top_level(slack, channel.id)[0].text.startswith("10,000 alerts firing"),
        what="the storm message counting all of them",
    )
    posts = [call for call in slack.calls_to("chat.postMessage") if call.args.get("channel") == channel.id]
    assert len(posts) <= 3
    assert len(top_level(slack, channel.id)) == len(posts)


async def test_a_channel_slack_does_not_have_is_noted_in_the_audit_trail_without_a_traceback(
    slack: FakeSlack, database_url: str, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    default = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    signal = {"name": "Nowhere", "source": "generic", "channel": "#nope"}
    running = await start_bot(alert_settings(slack, database_url, signals=[signal]))
    await slack.socket.wait_connected()
    alert = {"title": "Lost", "status": "firing", "deduplication_key": "lost", "severity": "critical"}
    with structlog.testing.capture_logs() as logs, caplog.at_level(logging.WARNING):
        assert await post(running, "generic", alert) == (
            202,
            {"status": "accepted", "alerts": [{"dedup_key": "lost", "action": "created"}]},
        )
        [stored] = await running.deps.alerts.find("generic", "lost")
        assert (stored.channel, stored.signal) == ("#nope", "Nowhere")

        async def noted() -> bool:
            trail = await running.deps.alerts.audit_trail(stored.id)
            return any(entry.action == "unreachable" and "#nope" in entry.detail for entry in trail)

        await eventually(noted, what="an 'unreachable' audit entry")
        await delivered(running)
    [note] = slack.messages(default.id)  # said where people look, once
    assert "Could not reach #nope" in note.text
    assert [entry for entry in logs if _traceback(entry) or entry["log_level"] in ("error", "critical")] == []
    assert [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR] == []


def _traceback(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("exc_info") or entry.get("exception"))
