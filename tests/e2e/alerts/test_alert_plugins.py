"""Alert plugins (issue 10 item 6, Cabot's C9): third-party alert channels installed as their own
packages, found through the `dispatchbot.alert_channels` entry points, called as an alert fires, is
acknowledged and recovers; one that raises is logged and the others (Slack first) still run; a signal
naming a plugin that is not installed stops start-up with one clear line."""

from __future__ import annotations

import importlib
import json
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.alerts.support import CHANNEL, alert_settings, delivered, post, replies, top_level
from tests.support import oncall
from tests.support.bot import BotProcess, bot_environment, free_port, running_bot
from tests.support.clocks import ManualClock

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
KEY = "checkout-5xx"

RECORDER = '''
"""Acme's alert plugin: writes every call it gets as a JSON line to the file its options name."""

import json


class Recorder:
    name = "recorder"
    author = "Acme SRE <sre@acme.example>"

    def __init__(self, path):
        self.path = path

    async def send_alert(self, alert, users, duty_officers):
        self._write("send_alert", alert, users, duty_officers)

    async def send_alert_update(self, alert, users, duty_officers):
        self._write("send_alert_update", alert, users, duty_officers)

    def _write(self, call, alert, users, duty_officers):
        line = {
            "call": call,
            "title": alert.title,
            "state": alert.state.value,
            "users": [person.slack_id for person in users],
            "duty_officers": [person.slack_id for person in duty_officers],
        }
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\\n")


def build(settings):
    options = settings.plugins.get("recorder")
    return Recorder(options["path"]) if options else None
'''

BROKEN = '''
"""A plugin whose gateway is down: every call raises."""


class Broken:
    name = "broken"
    author = "Flaky Inc"

    async def send_alert(self, alert, users, duty_officers):
        raise RuntimeError("the SMS gateway is down")


def build(settings):
    return Broken() if "broken" in settings.plugins else None
'''


def install(site: Path, module: str, source: str, entry_point: str) -> None:
    """A package as pip leaves it: the module, and a dist-info whose entry_points.txt registers it."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    dist_info = site / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[dispatchbot.alert_channels]\n{entry_point} = {module}:build\n"
    )


@pytest.fixture
def calls_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Installs Acme's recorder and Flaky's broken plugin (two packages); where the recorder writes."""
    site = tmp_path / "site-packages"
    site.mkdir()
    install(site, "acme_alert_recorder", RECORDER, "recorder")
    install(site, "flaky_alert_plugin", BROKEN, "broken")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return tmp_path / "calls.jsonl"


@pytest.fixture
def bob(slack: FakeSlack) -> User:
    return slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")


@pytest.fixture
def bruno(slack: FakeSlack) -> User:
    return oncall.add_person(slack, oncall.BRUNO)


@pytest.fixture
async def plugged(
    slack: FakeSlack, database_url: str, calls_file: Path, alice: User, bruno: User
) -> AsyncIterator[tuple[Running, Channel, ManualClock]]:
    """A bot whose signal sends alerts to Slack, the broken plugin and the recorder, in that order;
    Alice is the signal's user, Bruno the fallback duty officer."""
    channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
    signal = {
        "name": "Checkout",
        "channel": f"#{CHANNEL}",
        "users": [alice.id],
        "alert_channels": ["slack", "broken", "recorder"],
    }
    settings = alert_settings(
        slack,
        database_url,
        signals=[signal],
        alerts={"fallback_users": [oncall.BRUNO[0]]},
        plugins={"recorder": {"path": str(calls_file)}, "broken": {}},
    )
    clock = ManualClock(START)
    async with running_bot(slack, settings, clock) as running:
        yield running, channel, clock


def calls(calls_file: Path) -> list[dict[str, Any]]:
    if not calls_file.exists():
        return []
    return [json.loads(line) for line in calls_file.read_text().splitlines()]


async def send(running: Running, status: str) -> None:
    body = {"title": "Checkout 5xx > 2%", "status": status, "deduplication_key": KEY, "severity": "critical"}
    code, answer = await post(running, "generic", body)
    assert code == 202, answer
    await delivered(running)


async def test_an_installed_plugin_is_called_on_firing_acknowledged_and_recovery(
    plugged: tuple[Running, Channel, ManualClock],
    slack: FakeSlack,
    calls_file: Path,
    alice: User,
    bob: User,
    bruno: User,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """C9 and item 6: a third-party package's plugin gets `send_alert(alert, users, duty_officers)` when
    the alert fires and re-alerts (C3), `send_alert_update` for a re-alert while acknowledged (C7), and
    `send_alert` with `alert.state` resolved on recovery (C6). The broken plugin before it raises each
    time: logged, recorded in the audit trail, and neither Slack nor the recorder misses anything."""
    running, channel, clock = plugged
    await send(running, "firing")
    [message] = top_level(slack, channel.id)
    assert "Checkout 5xx" in message.text
    [fired] = calls(calls_file)
    assert fired["call"] == "send_alert"
    assert fired["state"] == "firing"
    assert fired["users"] == [alice.id]
    assert fired["duty_officers"] == [bruno.id]

    await running.deps.alerts.realert_tick(clock.advance(seconds=600))
    await delivered(running)
    await slack.as_user(bob).click(message, "Acknowledge")
    await delivered(running)
    await running.deps.alerts.realert_tick(clock.advance(seconds=600))
    await delivered(running)
    assert [c["call"] for c in calls(calls_file)] == ["send_alert", "send_alert", "send_alert_update"]
    assert "nobody was notified" in replies(slack, message)[-1].text

    await send(running, "resolved")
    assert [(c["call"], c["state"]) for c in calls(calls_file)] == [
        ("send_alert", "firing"),
        ("send_alert", "firing"),  # the re-alert (C3)
        ("send_alert_update", "firing"),
        ("send_alert", "resolved"),
    ]
    assert "Recovered" in replies(slack, message)[-1].text

    [alert] = await running.deps.alerts.find("generic", KEY)
    failures = [e for e in await running.deps.alerts.audit_trail(alert.id) if e.action == "plugin_failed"]
    assert [e.detail for e in failures] == ["broken"] * 3  # firing, re-alert, recovery (no update method)
    assert capsys.readouterr().out.count("alerts.plugin_failed") == 3


async def test_a_signal_naming_a_plugin_that_is_not_installed_stops_start_up(
    slack: FakeSlack, database_url: str, processes: list[BotProcess]
) -> None:
    """Item 6: an alert going nowhere is found at start-up, not at 3 a.m.: one `cannot start` line
    naming the signal, the missing plugin and what is installed; no traceback."""
    signals = [{"name": "Checkout", "channel": "#alerts", "alert_channels": ["slack", "sms"]}]
    environment = bot_environment(slack, database_url, free_port(), DISPATCHBOT_SIGNALS=json.dumps(signals))
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    assert await process.wait() == 1
    errors = process.stderr.decode()
    assert (
        "cannot start: signals[0] (Checkout).alert_channels: ['sms'] are not installed "
        "— installed: ['oncall', 'slack']"
    ) in errors
    assert "Traceback" not in errors
