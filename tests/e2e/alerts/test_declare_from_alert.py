"""Declaring an incident from an alert (issue 10 item 7), end to end: the Declare button's prefilled
form, the incident it creates linked both ways, one incident per alert however often it is declared,
`declare = "auto"` for critical alerts, and the alert's recovery told in the incident channel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from dispatchbot.alerting.model import Alert, NoticeKind
from dispatchbot.app import Running
from dispatchbot.config import Settings
from dispatchbot.flows.alerts import declare
from dispatchbot.services.alerts import Notice
from dispatchbot.storage.tables import IncidentRow, TimelineEventRow
from dispatchbot.testing import Channel, FakeSlack, Message, User
from tests.e2e.alerts.support import CHANNEL, alert_settings, post, replies, top_level
from tests.e2e.conftest import StartBot
from tests.support.waiting import eventually, eventually_value

KEY = "disk-db1"


def firing(severity: str = "critical", **changes: Any) -> dict[str, Any]:
    """A generic-format alert `KEY`: disk full on db1."""
    return {
        "title": "Disk 95% on db1",
        "status": "firing",
        "deduplication_key": KEY,
        "severity": severity,
        "description": "The data volume is almost full.",
        "source_url": "https://prom.example/graph?g0.expr=disk",
        "metadata": {"instance": "db1"},
        **changes,
    }


async def start(start_bot: StartBot, slack: FakeSlack, settings: Settings) -> Running:
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    return running


async def fire(running: Running, slack: FakeSlack, channel: Channel, body: dict[str, Any]) -> Message:
    status, answer = await post(running, "generic", body)
    assert status == 202, answer

    async def message() -> Message | None:
        shown = top_level(slack, channel.id)
        return shown[0] if shown else None

    return await eventually_value(message, what="the alert's message")


def incident_channels(slack: FakeSlack) -> list[Channel]:
    return [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]


async def incident_count(running: Running) -> int:
    async with running.deps.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


async def timeline(running: Running, kind: str) -> list[str]:
    async with running.deps.database.sessions() as session:
        rows = await session.scalars(select(TimelineEventRow).where(TimelineEventRow.kind == kind))
        return [row.description for row in rows]


async def the_alert(running: Running) -> Alert:
    [alert] = await running.deps.alerts.find("generic", KEY)
    return alert


def shown(slack: FakeSlack, channel: Channel, message: Message) -> str:
    """The blocks of `message` as it is now (edited in place), as text to search."""
    current = slack.workspace.find_message(channel.id, message.ts)
    return str(current.blocks if current is not None else "")


def texts(messages: list[Message]) -> list[str]:
    return [m.text for m in messages]


async def linked(running: Running, slack: FakeSlack, alerts: Channel, message: Message) -> Channel:
    """Once the incident channel has the alert's details and the alert shows the incident: the channel."""
    await eventually(lambda: len(incident_channels(slack)) == 1, what="the incident channel")
    incident = incident_channels(slack)[0]
    await eventually(
        lambda: any(m.text.startswith("Declared from alert") for m in slack.messages(incident.id)),
        what="the alert's details in the incident channel",
    )
    await eventually(
        lambda: (
            f"<#{incident.id}>" in texts(replies(slack, message))[-1] if replies(slack, message) else False
        ),
        what="the alert thread's reply",
    )
    await eventually(
        lambda: f"<#{incident.id}>" in shown(slack, alerts, message),
        what="the alert's message showing the incident",
    )
    return incident


async def test_declare_opens_the_form_prefilled_and_links_alert_and_incident(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User
) -> None:
    alerts = slack.add_channel(CHANNEL, members=[alice.id, slack.bot_user_id])
    running = await start(start_bot, slack, alert_settings(slack, database_url))
    message = await fire(running, slack, alerts, firing())
    person = slack.as_user(alice)

    assert (await person.click(message, "Declare incident")).ok
    view = await person.wait_for_view(callback_id="report_incident")
    values = view.values
    assert values["title"]["title"]["value"] == "Disk 95% on db1"
    description = str(values["description"]["description"]["value"])
    assert description.startswith("The data volume is almost full.\n\nAlert from generic (critical)")
    assert "Alert: http" in description  # the alert message's permalink
    assert values["severity"]["severity"]["selected_option"]["value"] == "Critical"
    assert values["priority"]["priority"]["selected_option"]["value"] == "High"  # the highest
    first = await view.submit()
    assert (first.payload or {}).get("response_action") == "update"
    await slack.socket.redeliver(first)  # a redelivered submission joins the first run

    incident = await linked(running, slack, alerts, message)
    assert incident.name == "inc-1-disk-95-on-db1"
    assert alice.id in incident.members
    details = next(m for m in slack.messages(incident.id) if m.text.startswith("Declared from alert"))
    assert "instance=db1" in str(details.blocks)
    assert "prom.example" in str(details.blocks)
    assert await timeline(running, "declared_from_alert") == ["Declared from alert Disk 95% on db1"]
    alert = await the_alert(running)
    assert alert.incident_id is not None
    assert "Declare incident" not in shown(slack, alerts, message)
    assert [e.action for e in await running.deps.alerts.audit_trail(alert.id)].count("declared") == 1
    assert await incident_count(running) == 1
    assert len(replies(slack, message)) == 1


async def test_a_second_form_for_the_same_alert_is_refused(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User
) -> None:
    """Two people (or one, twice) click Declare before the first incident exists: one incident."""
    bob = slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")
    alerts = slack.add_channel(CHANNEL, members=[alice.id, bob.id, slack.bot_user_id])
    running = await start(start_bot, slack, alert_settings(slack, database_url))
    message = await fire(running, slack, alerts, firing())
    forms = []
    for user in (alice, bob):
        person = slack.as_user(user)
        await person.click(message, "Declare incident")
        forms.append(await person.wait_for_view(callback_id="report_incident"))

    first = await forms[0].submit()
    assert (first.payload or {}).get("response_action") == "update"
    second = await forms[1].submit()
    assert second.payload == {
        "response_action": "errors",
        "errors": {"title": "An incident was already declared from this alert."},
    }
    await linked(running, slack, alerts, message)
    assert await incident_count(running) == 1
    assert len(slack.calls_to("conversations.create")) == 1


async def test_auto_declare_makes_one_incident_per_alert_and_tells_it_the_recovery(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User
) -> None:
    alerts = slack.add_channel(CHANNEL, members=[alice.id, slack.bot_user_id])
    signal = {"name": "Disks", "source": "generic", "channel": f"#{CHANNEL}", "declare": "auto"}
    settings = alert_settings(slack, database_url, signals=[signal], alerts={"fallback_users": [alice.id]})
    running = await start(start_bot, slack, settings)
    message = await fire(running, slack, alerts, firing())
    incident_channel = await linked(running, slack, alerts, message)

    # The same alert again (a sender's retry, then a repeat) and a retried DECLARE notice: no second one.
    for body in (firing(), firing(description="Still almost full.")):
        status, _ = await post(running, "generic", body)
        assert status == 202
    stale = replace(await the_alert(running), incident_id=None)
    await declare.auto_declare(running.deps, stale)
    assert await incident_count(running) == 1
    incident = await running.deps.incidents.get((await the_alert(running)).incident_id or 0)
    assert incident.reporter_id == alice.id  # the duty officer
    assert incident.severity == "Critical"
    assert incident.priority == "High"

    status, _ = await post(running, "generic", firing(status="resolved"))
    assert status == 202
    recovered = await eventually_value(
        lambda: _recovery(slack, incident_channel), what="the recovery in the incident channel"
    )
    assert recovered.text.startswith(":white_check_mark: Alert *Disk 95% on db1* recovered at")
    notice_id = int(recovered.blocks[0]["block_id"].split("-")[2])
    retried = Notice(notice_id, stale.id, NoticeKind.RECOVERED, attempted=True, attempts=1, detail={})
    await declare.tell_incident_recovered(running.deps, await the_alert(running), retried)
    assert len([m for m in slack.messages(incident_channel.id) if "recovered at" in m.text]) == 1
    assert await incident_count(running) == 1


async def test_a_warning_is_not_declared_automatically(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User
) -> None:
    alerts = slack.add_channel(CHANNEL, members=[alice.id, slack.bot_user_id])
    signal = {"name": "Disks", "source": "generic", "channel": f"#{CHANNEL}", "declare": "auto"}
    running = await start(start_bot, slack, alert_settings(slack, database_url, signals=[signal]))
    message = await fire(running, slack, alerts, firing("warning"))
    assert "Declare incident" in str(message.blocks)
    assert await incident_count(running) == 0


async def test_with_nobody_to_report_it_the_bot_declares_it(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    """No duty officer and no users: the bot is the reporter, and creation still finishes."""
    alerts = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    signal = {"name": "Disks", "source": "generic", "channel": f"#{CHANNEL}", "declare": "auto"}
    running = await start(start_bot, slack, alert_settings(slack, database_url, signals=[signal]))
    message = await fire(running, slack, alerts, firing())
    await linked(running, slack, alerts, message)
    run = await running.deps.runs.get_by_key(
        "create_incident", declare.run_key((await the_alert(running)).id)
    )
    assert run is not None
    await eventually(lambda: _finished(running, run.id), what="the creation run to finish")
    incident = await running.deps.incidents.get((await the_alert(running)).incident_id or 0)
    assert incident.commander_id == slack.bot_user_id
    assert not [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == slack.bot_user_id]


async def _finished(running: Running, run_id: int) -> bool:
    run = await running.deps.runs.get(run_id)
    return run is not None and run.finished_at is not None


async def _recovery(slack: FakeSlack, channel: Channel) -> Message | None:
    return next((m for m in slack.messages(channel.id) if "recovered at" in m.text), None)
