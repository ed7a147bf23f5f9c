"""The real bot over Socket Mode: commands acked at once, work done durably, repeats dropped."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from dispatchbot.app import Running
from dispatchbot.storage.tables import FlowRunRow
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.refusals import ephemeral
from tests.support.waiting import eventually, eventually_value


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [message.text for message in slack.messages(channel)]


async def run_rows(bot: Running) -> list[FlowRunRow]:
    """The flow runs, once none is still running (the last commit may trail the last Slack call)."""

    async def settled_rows() -> list[FlowRunRow] | None:
        async with bot.deps.database.sessions() as session:
            rows = list(await session.scalars(select(FlowRunRow).order_by(FlowRunRow.id)))
        return rows if all(row.status != "running" for row in rows) else None

    return await eventually_value(settled_rows, within=5, what="the flow runs to settle")


async def test_slash_command_is_acked_and_its_flow_completes(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    ack = await slack.as_user(alice).slash_command("/probe", "hello", channel=general.id)
    assert ack.ok
    assert ack.latency < 3.0
    await eventually(lambda: len(texts(slack, general.id)) == 2, what="both probe steps")
    assert texts(slack, general.id) == ["probe step one: hello", "probe step two: hello"]
    rows = await run_rows(bot)
    assert [(row.kind, row.status, row.completed_steps) for row in rows] == [
        ("probe", "succeeded", ["announce", "conclude"])
    ]
    assert slack.calls_to("auth.test")  # the token was checked at start-up


async def test_redelivered_envelopes_are_handled_once(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    home = await person.open_home()
    await eventually(lambda: len(slack.calls_to("views.publish")) == 1, what="the App Home publish")
    again = await slack.socket.redeliver(home)
    assert again.ok
    assert again.retry_attempt == 1

    command = await person.slash_command("/probe", "once", channel=general.id)
    await eventually(lambda: len(texts(slack, general.id)) == 2, what="the probe run")
    assert (await slack.socket.redeliver(command)).ok

    assert len(slack.calls_to("views.publish")) == 1
    assert len(await run_rows(bot)) == 1
    metrics = bot.deps.metrics.render().decode()
    assert 'dispatchbot_duplicate_deliveries_total{type="event_callback"} 1.0' in metrics
    assert 'dispatchbot_duplicate_deliveries_total{type="command"} 1.0' in metrics


async def test_failed_run_tells_the_requester_and_retry_works(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    await person.slash_command("/probe", "explode", channel=general.id)
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="the failure DM")
    notice = slack.dms(alice.id)[0]
    assert notice.text.startswith(":warning: *Probe* could not be finished. Something went wrong (error id ")
    rows = await run_rows(bot)
    assert rows[0].status == "failed"
    assert rows[0].error_id is not None
    assert rows[0].error_id in notice.text
    assert rows[0].attempts == 2

    await person.click(notice, "Retry")
    await eventually(lambda: len(slack.dms(alice.id)) == 2, what="the second failure DM")
    assert [row.attempts for row in await run_rows(bot)] == [2]
    assert texts(slack, general.id) == ["probe step one: explode"]  # step one was not repeated


async def test_user_facing_refusal_is_told_without_retrying(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await slack.as_user(alice).slash_command("/probe", "refuse", channel=general.id)
    await eventually(lambda: len(slack.dms(alice.id)) == 1, what="the refusal DM")
    assert (
        slack.dms(alice.id)[0].text
        == ":warning: *Probe* could not be finished. The probe was told to refuse."
    )
    assert [row.attempts for row in await run_rows(bot)] == [1]


async def test_handler_errors_become_messages_not_tracebacks(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    refused = await person.slash_command("/probe-refuse", channel=general.id)
    assert refused.payload == ephemeral("Only the incident commander can do that.")
    crashed = await person.slash_command("/probe-crash", channel=general.id)
    assert crashed.payload is not None
    assert crashed.payload["text"].startswith("Something went wrong (error id ")


async def test_anything_unhandled_is_still_acknowledged(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    person = slack.as_user(alice)
    command = await person.slash_command("/dispatch-page-everyone", channel=general.id)
    assert command.payload == ephemeral(
        "`/dispatch-page-everyone` is not available in this version of dispatchbot."
    )
    message = await person.post(general.id, "is anyone looking at the database?")
    assert message.ts
    await eventually(
        lambda: any(ack.type == "events_api" for ack in slack.deliveries), what="the message event"
    )
    events = [ack for ack in slack.deliveries if ack.type == "events_api"]
    assert [(ack.ok, ack.retry_attempt) for ack in events] == [(True, 0)]


async def test_healthz_and_metrics(bot: Running, slack: FakeSlack, alice: User, general: Channel) -> None:
    await slack.as_user(alice).slash_command("/probe", "metrics", channel=general.id)
    expected = (
        'dispatchbot_envelopes_total{type="command"} 1.0',
        'dispatchbot_slack_api_calls_total{method="chat.postMessage",outcome="ok"} 2.0',
        'dispatchbot_flow_runs_total{kind="probe",status="succeeded"} 1.0',
        'dispatchbot_ack_latency_seconds_count{type="command"} 1.0',
    )
    # Each figure is counted a moment after what it counts is visible (the run after its last post, the
    # ack after the envelope's work was handed off), so wait until all of them are in.
    await eventually(
        lambda: all(line in bot.deps.metrics.render().decode() for line in expected),
        what="the probe's metrics",
    )
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{bot.port}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        async with http.get(f"http://127.0.0.1:{bot.port}/metrics") as response:
            assert response.status == 200
            metrics = await response.text()
    assert health["status"] == "ok"
    assert health["slack"] == {"mode": "socket", "connected": True}
    assert health["database"] == "ok"
    assert health["version"]
    assert all(line in metrics for line in expected)
