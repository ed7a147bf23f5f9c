"""Storms: more new alerts for one channel than Slack would take in time are posted as one grouped
message, edited as more arrive; every alert is still stored and answered at once."""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.model import AlertState
from dispatchbot.app import Running
from dispatchbot.testing import FakeSlack
from tests.e2e.alerts.support import CHANNEL, alert_settings, delivered, post, replies, top_level
from tests.e2e.conftest import StartBot
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
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
    await delivered(running)
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


async def test_a_storm_still_firing_re_alerts_in_one_message(slack: FakeSlack, database_url: str) -> None:
    """C3 for a storm: its alerts re-alert together, mentioning whom they notify, not in 40 threads."""
    channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    oncall = slack.add_user("olive", email="olive@example.com")
    clock = ManualClock()
    settings = alert_settings(slack, database_url, alerts={"fallback_users": [oncall.id]})
    async with running_bot(slack, settings, clock) as running:
        assert (await post(running, "alertmanager", _group(0, 40)))[0] == 202
        await delivered(running)
        [storm] = top_level(slack, channel.id)

        assert await running.deps.alerts.realert_tick(clock.advance(seconds=600)) == 40
        await delivered(running)

        messages = top_level(slack, channel.id)
        assert len(messages) == 2
        assert "Still firing: 40 alerts firing" in messages[1].text
        assert f"<@{oncall.id}>" in messages[1].text
        assert replies(slack, storm) == []
