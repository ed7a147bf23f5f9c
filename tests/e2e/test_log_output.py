"""What `dispatchbot run` writes to stderr, as operators see it: few lines, ids not text, no secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.slack.payloads import VERIFICATION_TOKEN
from tests.support.bot import SIGNING_SECRET, BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

TITLE = "Zanzibar-title-7f3a"
DESCRIPTION = "Quokka-description-91c2"
LIST = "/dispatch-list-incidents"


def lines(process: BotProcess) -> list[dict[str, Any]]:
    """Every line written so far; each must be one JSON object (DISPATCHBOT_LOG__FORMAT=json)."""
    return [json.loads(line) for line in process.stderr.decode().splitlines()]


def has(process: BotProcess, event: str, **fields: str) -> bool:
    return any(
        line["event"] == event and all(line.get(k) == v for k, v in fields.items()) for line in lines(process)
    )


async def start(processes: list[BotProcess], environment: dict[str, str], slack: FakeSlack) -> BotProcess:
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    await slack.socket.wait_connected(timeout=30)
    await eventually(lambda: has(process, "bot.started"), within=30, what="bot.started")
    return process


async def report(slack: FakeSlack, process: BotProcess, reporter: User, where: Channel) -> None:
    """Report an incident whose title and description are markers, and wait until it is created."""
    person = slack.as_user(reporter)
    await person.slash_command("/dispatch-report-incident", channel=where.id)
    view = await person.wait_for_view(callback_id="report_incident")
    view.fill({"Title": TITLE, "Description": DESCRIPTION})
    assert (await view.submit()).ok
    await eventually(
        lambda: has(process, "flow_run.succeeded", flow="create_incident"), within=20, what="the creation run"
    )


async def test_default_level_writes_a_few_lines_of_ids_and_outcomes(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    process = await start(processes, bot_environment(slack, database_url, free_port()), slack)
    started = len(lines(process))
    assert started <= 5, lines(process)

    await report(slack, process, alice, general)
    created = len(lines(process))
    creation = lines(process)[started:created]
    assert len(creation) <= 10, creation
    assert {"slack.handled", "incident.created", "flow_run.succeeded"} <= {line["event"] for line in creation}
    submitted = next(line for line in creation if line.get("kind") == "view_submission")
    assert (submitted["event"], submitted["name"], submitted["outcome"]) == (
        "slack.handled",
        "report_incident",
        "ok",
    )
    assert submitted["user"] == alice.id
    assert submitted["envelope_id"]
    assert isinstance(submitted["ms"], float)

    ephemerals = len(slack.ephemerals(general.id, alice.id))
    await slack.as_user(alice).slash_command(LIST, channel=general.id)
    await eventually(lambda: len(slack.ephemerals(general.id, alice.id)) > ephemerals, what="the list")
    assert TITLE in str(slack.ephemerals(general.id, alice.id)[-1].blocks)  # people see it; logs do not
    process.terminate()
    assert await process.wait() == 0

    everything = lines(process)
    stopping = next(i for i, line in enumerate(everything) if line["event"] == "bot.stopping")
    listed = everything[created:stopping]
    assert [(line["event"], line["kind"], line["name"], line["outcome"]) for line in listed] == [
        ("slack.handled", "command", LIST, "ok")
    ]
    assert listed[0]["user"] == alice.id
    assert listed[0]["channel"] == general.id
    assert all(line["level"] in ("info", "warning", "error") for line in everything)
    output = process.stderr.decode()
    for never in (TITLE, DESCRIPTION, "SELECT", "INSERT", "Context impl", "Running upgrade", "Added job"):
        assert never not in output


async def test_debug_shows_more_but_never_a_token(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    environment = bot_environment(
        slack,
        database_url,
        free_port(),
        DISPATCHBOT_LOG__LEVEL="DEBUG",
        DISPATCHBOT_SLACK__SIGNING_SECRET=SIGNING_SECRET,
    )
    process = await start(processes, environment, slack)
    await report(slack, process, alice, general)  # Web API calls carry the bot token, envelopes Slack's
    await slack.as_user(alice).slash_command(LIST, channel=general.id)
    await eventually(lambda: has(process, "slack.handled", name=LIST), what="the list command")
    await eventually(lambda: has(process, "scheduler.tick", job="sweep_flow_runs"), what="a quiet tick")
    process.terminate()
    assert await process.wait() == 0

    output = process.stderr.decode()
    for secret in (slack.bot_token, slack.app_token, SIGNING_SECRET, VERIFICATION_TOKEN):
        assert secret not in output
    sql = [line for line in lines(process) if line["logger"].startswith("sqlalchemy")]
    assert any("INSERT INTO incidents" in line["event"] for line in sql)  # DEBUG shows the SQL...
    assert not any(TITLE in json.dumps(line) for line in sql)  # ...without its parameters
