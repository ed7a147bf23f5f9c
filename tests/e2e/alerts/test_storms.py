"""Storms: more new alerts for one channel than Slack would take in time are posted as one grouped
message, edited as more arrive; every alert is still stored and answered at once."""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.model import AlertState
from dispatchbot.app import Running
from dispatchbot.testing import FakeSlack
from tests.e2e.alerts.support import CHANNEL, alert_settings, post, top_level
from tests.e2e.conftest import StartBot
from tests.support.waiting import eventually


def _group(first: int, count: int) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="Down"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "Down", "instance": f"web{number}", "severity": "error"},
                "annotations": {"summary": f"web{number} is down"},
                "fingerprint": f"down-{number}",
            }
            for number in range(first, first + count)
        ],
    }


async def test_a_burst_is_one_grouped_message_edited_as_more_arrive(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    running: Running = await start_bot(alert_settings(slack, database_url))
    await slack.socket.wait_connected()

    status, body = await post(running, "alertmanager", _group(0, 40))
    assert status == 202
    assert {item["action"] for item in body["alerts"]} == {"created"}
    await eventually(lambda: len(top_level(slack, channel.id)) == 1, what="the storm message")
    storm = top_level(slack, channel.id)[0]
    assert "40 alerts" in storm.text

    status, _ = await post(running, "alertmanager", _group(40, 20))
    assert status == 202
    await eventually(
        lambda: "60 alerts" in slack.workspace.find_message(channel.id, storm.ts).text, what="the edit"
    )
    assert len(top_level(slack, channel.id)) == 1
    stored = await running.deps.alerts.listing(firing_only=True, limit=100)
    assert len(stored) == 60
    assert {alert.state for alert in stored} == {AlertState.FIRING}
    assert {alert.message_ts for alert in stored} == {storm.ts}


async def test_a_few_alerts_are_posted_one_by_one(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    running: Running = await start_bot(alert_settings(slack, database_url, alerts={"storm_threshold": 5}))
    await slack.socket.wait_connected()
    status, _ = await post(running, "alertmanager", _group(0, 3))
    assert status == 202
    await eventually(lambda: len(top_level(slack, channel.id)) == 3, what="three messages")
