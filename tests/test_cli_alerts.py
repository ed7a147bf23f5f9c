"""`dispatchbot alerts list` and `alerts show`: alerts taken in by the real intake, read back by an
operator at a terminal, on each backend. Alert text came from outside, so none of it may reach the
terminal as a control sequence."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dispatchbot.alert_formats import parse
from dispatchbot.alerting.routing import SignalRouter
from dispatchbot.cli import main
from dispatchbot.cli_alerts import plain
from dispatchbot.config import Settings
from dispatchbot.services.alert_intake import AlertIntake, Outcome
from dispatchbot.services.alerts import AlertService
from dispatchbot.storage import migrate
from dispatchbot.storage.engine import Database, open_database
from tests.support.clocks import ManualClock

Run = tuple[int, str, str]
Cli = Callable[..., Run]
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31mDisk\rfull\non db1\u202e <!channel>\x7f"


def router() -> SignalRouter:
    """Alerts named DiskFull go to the "Disk full" signal; the rest to the default channel."""
    settings = Settings.model_validate(
        {
            "alerts": {"default_channel": "#alerts"},
            "alert_sources": [
                {"name": "prometheus", "format": "alertmanager", "token": "t" * 32},
                {"name": "pagerduty", "format": "pagerduty", "token": "p" * 32},
            ],
            "signals": [
                {
                    "name": "Disk full",
                    "source": "prometheus",
                    "match": {"alertname": "DiskFull"},
                    "channel": "#db",
                }
            ],
        }
    )
    return SignalRouter(settings)


class Sender:
    """Monitoring, as the intake hears it: Alertmanager and PagerDuty payloads, at a clock we move."""

    def __init__(self, intake: AlertIntake, clock: ManualClock) -> None:
        self.intake = intake
        self.clock = clock

    async def alertmanager(
        self, key: str, *, status: str = "firing", name: str = "DiskFull", title: str = "Disk full"
    ) -> Outcome:
        alert = {
            "status": status,
            "labels": {"alertname": name, "instance": "db1", "severity": "critical"},
            "annotations": {"summary": title},
            "fingerprint": key,
        }
        body = {"version": "4", "status": status, "groupKey": "{}", "alerts": [alert]}
        return await self._send("prometheus", body, "alertmanager")

    async def pagerduty(self, key: str, action: str) -> Outcome:
        body: dict[str, Any] = {"routing_key": "r", "event_action": action, "dedup_key": key}
        if action == "trigger":
            body["payload"] = {"summary": "Checkout errors", "source": "shop", "severity": "error"}
        return await self._send("pagerduty", body, "pagerduty")

    async def _send(self, source: str, body: dict[str, Any], format: str) -> Outcome:
        self.clock.advance(seconds=1)  # distinct times, and never a sender's retry
        [outcome] = await self.intake.take(source, parse(body, format))
        return outcome


@pytest.fixture
async def send(database: Database) -> AsyncIterator[Sender]:
    # Noon today: the alerts' dates are asserted, so the test's seconds must never cross midnight.
    clock = ManualClock(datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0))
    intake = AlertIntake(database.sessions, clock, router(), Settings(), on_stored=lambda: None)
    intake.start()
    yield Sender(intake, clock)
    await intake.stop()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str) -> Cli:
    """`dispatchbot ARGS` against the test's database: exit code, stdout, stderr; never a traceback."""
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", database_url)

    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return code, captured.out, captured.err

    return run


async def run_cli(cli: Cli, *args: str) -> Run:
    """The command runs its own event loop, so it runs in a thread beside the test's."""
    return await asyncio.to_thread(cli, *args)


def table(out: str) -> list[list[str]]:
    """The rows under the header, each cut at the columns that never hold spaces (id to count)."""
    header, *rows = out.splitlines()
    assert header.split()[:6] == ["id", "source", "dedup", "key", "state", "severity"]
    return [row.split()[:6] for row in rows]


# alerts list


async def test_list_newest_first_with_each_state(send: Sender, database: Database, cli: Cli) -> None:
    await send.alertmanager("disk-1")
    await send.alertmanager("disk-1", title="Disk full again")  # a repeat: count 2
    await send.alertmanager("load-1", name="HighLoad", title="Load high")
    await send.alertmanager("load-1", status="resolved", name="HighLoad", title="Load high")
    await send.pagerduty("pd-1", "trigger")
    await send.pagerduty("pd-1", "acknowledge")

    code, out, err = await run_cli(cli, "alerts", "list")
    assert (code, err) == (0, "")
    assert table(out) == [
        ["3", "pagerduty", "pd-1", "acknowledged", "error", "1"],
        ["2", "prometheus", "load-1", "resolved", "critical", "1"],
        ["1", "prometheus", "disk-1", "firing", "critical", "2"],
    ]
    disk = out.splitlines()[-1]
    assert disk.endswith("Disk full  Disk full")  # the signal, then the title (a repeat keeps the first)
    assert f"{send.clock.now():%Y-%m-%d} " in disk

    code, out, _ = await run_cli(cli, "alerts", "list", "--firing")
    assert code == 0
    assert [row[2] for row in table(out)] == ["pd-1", "disk-1"]  # acknowledged is still firing

    code, out, _ = await run_cli(cli, "alerts", "list", "--limit", "1")
    assert [row[2] for row in table(out)] == ["pd-1"]


async def test_list_with_nothing_to_show(send: Sender, cli: Cli) -> None:
    assert await run_cli(cli, "alerts", "list") == (0, "No alerts.\n", "")
    await send.alertmanager("disk-1")
    await send.alertmanager("disk-1", status="resolved")
    assert await run_cli(cli, "alerts", "list", "--firing") == (0, "No firing alerts.\n", "")


async def test_list_clips_long_values(send: Sender, cli: Cli) -> None:
    await send.alertmanager("k" * 200, title="T" * 500)
    code, out, _ = await run_cli(cli, "alerts", "list")
    assert code == 0
    row = out.splitlines()[1]
    assert f"{'k' * 23}…" in row
    assert row.endswith(f"{'T' * 59}…")


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_list_limit_must_be_a_positive_number(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    assert main(["alerts", "list", "--limit", limit]) == 2
    expected = f"argument --limit: expected a whole number of at least 1, got '{limit}'"
    assert expected in capsys.readouterr().err


# alerts show


async def test_show_every_alert_of_the_key_with_its_audit_trail(
    send: Sender, database: Database, cli: Cli
) -> None:
    await send.alertmanager("disk-1")
    await send.alertmanager("disk-1", status="resolved")
    await send.alertmanager("disk-1", title="Disk full again")  # after recovery: a new alert
    alerts = AlertService(database.sessions, send.clock, router())
    acked = await alerts.acknowledge(2, "U0123")
    await alerts.record(2, action="paged", detail="Database on-call", page_id="PD42")

    code, out, err = await run_cli(cli, "alerts", "show", "prometheus", "disk-1")
    assert (code, err) == (0, "")
    newest, oldest = out.split("\n\n")
    assert newest.splitlines()[0] == "alert 2: prometheus disk-1"
    fields = dict(line.strip().split(maxsplit=1) for line in newest.splitlines()[1:4])
    assert fields == {"title": "Disk full again", "state": "acknowledged", "severity": "critical"}
    assert acked.acknowledgement is not None
    until = f"{acked.acknowledgement.expires_at:%Y-%m-%d %H:%M:%S}"
    for line in [
        "  signal        Disk full",
        "  route         channel",
        "  channel       #db",
        "  count         1",
        f"  acknowledged  by U0123 until {until} UTC",
        "  page          PD42",
        "  labels        alertname=DiskFull, instance=db1, severity=critical",
    ]:
        assert line in newest.splitlines()
    trail = newest.split("  audit trail:\n")[1].splitlines()
    assert trail[0].split() == ["time", "(UTC)", "actor", "action", "detail"]
    assert [line.split()[2:4] for line in trail[1:]] == [
        ["source:prometheus", "created"],
        ["U0123", "acknowledged"],
        ["dispatchbot", "paged"],
    ]
    assert trail[-1].endswith("paged         Database on-call")

    assert oldest.splitlines()[0] == "alert 1: prometheus disk-1"
    assert "  state         resolved" in oldest.splitlines()
    assert "  acknowledged  -" in oldest.splitlines()
    assert [line.split()[3] for line in oldest.split("  audit trail:\n")[1].splitlines()[1:]] == [
        "created",
        "resolved",
    ]


async def test_show_an_unknown_alert(send: Sender, cli: Cli) -> None:
    await send.alertmanager("disk-1")
    assert await run_cli(cli, "alerts", "show", "grafana", "disk-1") == (
        1,
        "",
        "dispatchbot: no alert from grafana with key disk-1\n",
    )
    code, _, err = await run_cli(cli, "alerts", "show", "prometheus", "\x1b[2Jnope")
    assert (code, err) == (1, "dispatchbot: no alert from prometheus with key [2Jnope\n")


# text from outside never reaches the terminal as a command


async def test_a_hostile_alert_prints_as_plain_text(send: Sender, cli: Cli) -> None:
    key = "evil\x1b[2J"
    await send.alertmanager(key, title=HOSTILE)
    for args in (["alerts", "list"], ["alerts", "show", "prometheus", key]):
        code, out, _ = await run_cli(cli, *args)
        assert code == 0
        assert not [char for char in out if char != "\n" and not char.isprintable()], out
        assert "Disk full on db1 <!channel>" in out
        assert "evil[2J" in out


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Disk full on db1", "Disk full on db1"),
        ("naïve 東京 🔥", "naïve 東京 🔥"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("\x1b]0;title\x07x", "]0;titlex"),
        ("\x9b2Jcsi", "2Jcsi"),
        ("over\rwrite", "over write"),
        ("two\nlines\ttab", "two lines tab"),
        ("back\bspace\x7f\x00", "backspace"),
        ("\u202eevil\u2066", "evil"),
    ],
)
def test_plain(text: str, shown: str) -> None:
    assert plain(text) == shown


# the database


def test_without_a_database_nothing_is_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for args in (["alerts", "list"], ["alerts", "show", "prometheus", "disk-1"]):
        assert main(args) == 1
        assert capsys.readouterr().err == (
            f"dispatchbot: no database at {tmp_path}/dispatchbot.db "
            "(run `dispatchbot db upgrade` or `dispatchbot run` to create it)\n"
        )
    assert list(tmp_path.iterdir()) == []


async def test_a_schema_without_alerts_is_refused(database_url: str, cli: Cli) -> None:
    database = open_database(database_url)
    try:
        await migrate.upgrade(database, "0004")
    finally:
        await database.dispose()
    code, out, err = await run_cli(cli, "alerts", "list")
    assert (code, out) == (1, "")
    assert err == (
        f"dispatchbot: the database schema is at 0004, behind this release's {migrate.HEAD_REVISION} — "
        "run `dispatchbot db upgrade`\n"
    )


async def test_start_up_stays_light(send: Sender, database_url: str) -> None:
    """Reading alerts never imports the bot: no Slack SDKs, no web server, no scheduler, no Alembic."""
    await send.alertmanager("disk-1")
    script = (
        "import sys; from dispatchbot.cli import main; code = main(['alerts', 'list']); "
        "heavy = ('slack_bolt', 'slack_sdk', 'aiohttp', 'apscheduler', 'alembic'); "
        "print(code, sorted({m.split('.')[0] for m in sys.modules if m.startswith(heavy)}))"
    )
    environment = {**os.environ, "DISPATCHBOT_DATABASE__URL": database_url}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
