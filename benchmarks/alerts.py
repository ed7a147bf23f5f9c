"""Alerts in: intake throughput, 202 → Slack message, and the re-alert tick, on SQLite.

The bot runs as a real `dispatchbot run` process at the default log level against the fake Slack, with
one source (generic JSON format) whose rate limit is lifted (the default, 200 POSTs a second per source,
would answer most of this load with 429), and signals routing by a `team` label to channels.

1. Intake: `--senders` concurrent senders (one aiohttp session, keep-alive) POST `--events`
   single-alert events, each with its own deduplication key, all routed to one channel. Prints events
   accepted per second and p50/p99 time to the 202 (targets >= 1,000/s, p99 <= 50 ms), lost (a 202
   without a stored alert, or no 202 at all) and duplicated messages (an alert posted in two top-level
   messages, or on its own and in a storm message too; with that many alerts at once they are grouped
   into storm messages). The yardstick: the same senders against `bare_alert_app.py`, which answers
   202 without checking or storing anything, in the same run.
2. 202 → Slack message: a paced stream (`--paced` alerts at `--rate` a second, round-robin over
   20 channels, so each channel stays below the storm threshold): per alert, the time from its
   202 to the fake answering the chat.postMessage of its message. Target p99 <= 1 s.
3. Re-alert tick over the firing alerts the first two left (after the bot is stopped and every one is
   made due): `dispatchbot scheduler run realert_alerts` as an operator runs it. Prints the tick as the
   scheduler times it (its DEBUG `scheduler.tick` line, so this one command runs at DEBUG) and the whole
   command with its start-up. Target <= 1 s for the tick.
4. Case route: `--cases` alerts of one signal routed to `case`, flooded as in 1: accepted per second
   and p99 to 202 (the same targets), how many cases they made (target 1) and the count it shows, and
   the posts and edits its channel got (target: a handful of edits; Slack rate-limits them).
Run: python benchmarks/alerts.py [--events 10000] [--senders 50] [--paced 200] [--rate 40] [--cases 1000]
     [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from _harness import (
    LOG_FILE,
    PROXY_VARIABLES,
    bot_environment,
    cpu_seconds,
    free_port,
    percentile,
    spawn_bot,
    stop_bot,
)

from dispatchbot.testing import FakeSlack
from dispatchbot.testing.slack.state import Message

TOKEN = "benchmark-token-0123456789abcdef"
SOURCE = "bench"
INTAKE_CHANNEL = "alerts-intake"
CASE_CHANNEL = "alerts-cases"
CHANNELS = 20
"""Channels of the paced stream, `#alerts-0` and on."""
BARE_APP = Path(__file__).with_name("bare_alert_app.py")
DELIVERY_TIMEOUT = 120.0
ALERT_MARKER = re.compile(r"^alert-(\d+)$")
TICK_LINE = re.compile(r"scheduler\.tick.*realert_alerts|realert_alerts.*scheduler\.tick")
TICK_MS = re.compile(r"\bms\W+([\d.]+)")


@dataclass(frozen=True)
class Sent:
    key: str
    status: int
    action: str
    latency: float
    """Seconds from sending the POST to reading the whole answer."""
    answered: float
    """time.monotonic() when the answer was read, the clock the fake's call log uses."""


@dataclass(frozen=True)
class Intake:
    name: str
    sent: list[Sent]
    seconds: float
    cpu: float
    """The server process's CPU seconds spent on the run."""

    def report(self) -> None:
        accepted = [s for s in self.sent if s.status == 202]
        latencies = [s.latency * 1000 for s in accepted] or [0.0]
        print(
            f"  {self.name:<12}{len(accepted) / self.seconds:9.0f}/s{percentile(latencies, 0.5):8.1f}"
            f"{percentile(latencies, 0.99):7.1f}{max(latencies):7.1f}"
            f"{self.cpu * 1e6 / max(1, len(self.sent)):10.0f}{len(self.sent) - len(accepted):9d}"
        )


def event(key: str, team: str) -> bytes:
    return json.dumps(
        {
            "title": f"Benchmark alert {key}",
            "status": "firing",
            "deduplication_key": key,
            "severity": "warning",
            "description": "Synthetic alert from benchmarks/alerts.py",
            "source_url": "https://monitoring.example.com/alerts",
            "metadata": {"team": team, "service": "checkout", "region": "eu-west-1"},
        }
    ).encode()


async def send(http: aiohttp.ClientSession, url: str, key: str, body: bytes) -> Sent:
    started = time.monotonic()
    async with http.post(url, data=body) as response:
        answer = await response.read()
    answered = time.monotonic()
    action = json.loads(answer)["alerts"][0]["action"] if response.status == 202 else ""
    return Sent(key, response.status, action, answered - started, answered)


def session(senders: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=senders),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )


async def flood(name: str, port: int, pid: int, events: list[tuple[str, bytes]], senders: int) -> Intake:
    """`senders` senders, each POSTing the next event as soon as its previous one is answered."""
    url = f"http://127.0.0.1:{port}/alerts/{SOURCE}"
    queue: Iterator[tuple[str, bytes]] = iter(events)
    sent: list[Sent] = []
    async with session(senders) as http:

        async def sender() -> None:
            for key, body in queue:  # one shared iterator: each sender takes the next event
                sent.append(await send(http, url, key, body))

        cpu, started = cpu_seconds(pid), time.monotonic()
        await asyncio.gather(*(sender() for _ in range(senders)))
        seconds = time.monotonic() - started
    return Intake(name, sent, seconds, cpu_seconds(pid) - cpu)


async def paced_stream(port: int, alerts: int, rate: float, channels: int) -> list[Sent]:
    url = f"http://127.0.0.1:{port}/alerts/{SOURCE}"
    async with session(channels) as http:
        started = time.monotonic()

        async def one(index: int) -> Sent:
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            key = f"paced-{index}"
            return await send(http, url, key, event(key, f"team-{index % channels}"))

        return list(await asyncio.gather(*(one(i) for i in range(alerts))))


def query(database: Path, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql, parameters).fetchall()


async def delivered(database: Path) -> float:
    """Wait until every notice is done and every channel alert has its message; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < DELIVERY_TIMEOUT:
        pending = query(database, "SELECT count(*) FROM alert_notices WHERE done_at IS NULL")[0][0]
        unposted = query(
            database, "SELECT count(*) FROM alerts WHERE route = 'channel' AND message_ts IS NULL"
        )[0][0]
        if pending == 0 and unposted == 0:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise SystemExit(f"delivery did not finish within {DELIVERY_TIMEOUT:.0f} s")


def top_level(slack: FakeSlack, channel: str) -> list[Message]:
    return [m for m in slack.messages(channel) if m.thread_ts in (None, m.ts)]


def marker(message: Message) -> str:
    return str((message.blocks or [{}])[0].get("block_id", ""))


def check_intake(slack: FakeSlack, channel: str, database: Path, sent: list[Sent]) -> None:
    """Lost and duplicated, from the 202s, the database and the channel's top-level messages. A storm
    message is recognised by the alerts the database says it holds (its edits drop the marker block)."""
    stored = {
        key: (alert_id, ts, storm)
        for alert_id, key, ts, storm in query(
            database,
            "SELECT id, dedup_key, message_ts, json_extract(details, '$.storm') FROM alerts WHERE source = ?",
            SOURCE,
        )
    }
    accepted = [s for s in sent if s.status == 202]
    lost = sum(1 for s in accepted if s.key not in stored) + len(sent) - len(accepted)
    actions = Counter(s.action for s in accepted)
    ours = [stored[s.key] for s in accepted if s.key in stored]
    messages = top_level(slack, channel)
    own = Counter(int(match.group(1)) for m in messages if (match := ALERT_MARKER.match(marker(m))))
    grouped = {m.ts for m in messages if not ALERT_MARKER.match(marker(m))}
    storms = {ts for _, ts, storm in ours if storm}
    duplicated = (
        sum(count - 1 for count in own.values())  # one alert, several messages of its own
        + sum(1 for alert_id, _, storm in ours if storm and own[alert_id])  # its own and in a storm
        + len(grouped - storms)  # a storm message no alert is shown in: posted twice
    )
    unaccounted = sum(
        1 for alert_id, ts, storm in ours if not ((storm and ts in grouped) or own[alert_id] == 1)
    )
    print(
        f"  actions: {dict(actions)}; stored: {len(ours)} of {len(accepted)} accepted;"
        f" lost: {lost}   (target 0)"
    )
    print(
        f"  #{INTAKE_CHANNEL}: {len(messages)} top-level messages: {len(grouped)} storm messages holding"
        f" {sum(1 for _, _, storm in ours if storm)} alerts, {sum(own.values())} alerts' own;"
        f" duplicated: {duplicated}   (target 0); alerts in no message: {unaccounted}"
    )


def message_latencies(slack: FakeSlack, database: Path, sent: list[Sent]) -> list[float]:
    """Per paced alert, ms from its 202 to the fake answering the chat.postMessage of its message."""
    ids = dict(query(database, "SELECT id, dedup_key FROM alerts WHERE dedup_key LIKE 'paced-%'"))
    posted: dict[str, float] = {}
    for call in slack.calls_to("chat.postMessage"):
        blocks = call.args.get("blocks") or [{}]
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        match = ALERT_MARKER.match(str(blocks[0].get("block_id", "")))
        if match and call.status == 200 and int(match.group(1)) in ids:
            posted.setdefault(ids[int(match.group(1))], call.at)
    missing = [s.key for s in sent if s.key not in posted]
    if missing:
        print(f"  {len(missing)} paced alerts got no message of their own (grouped into a storm?)")
    return [(posted[s.key] - s.answered) * 1000 for s in sent if s.key in posted]


async def realert_tick(slack: FakeSlack, directory: Path, database: Path) -> None:
    """Make every firing alert due, then run the tick once as an operator would."""
    watched = "state = 'firing' AND route = 'channel'"  # a case's alerts are the case's to watch
    query(database, f"UPDATE alerts SET next_realert_at = first_seen_at WHERE {watched}")
    firing = query(database, f"SELECT count(*) FROM alerts WHERE {watched}")[0][0]
    before = query(database, "SELECT count(*) FROM alert_notices")[0][0]
    environment = bot_environment(
        slack,
        directory,
        DISPATCHBOT_LOG__LEVEL="DEBUG",
        DISPATCHBOT_LOG__FORMAT="json",
        **alert_configuration(),
    )
    started = time.monotonic()
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dispatchbot",
        "scheduler",
        "run",
        "realert_alerts",
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await command.communicate()
    whole = time.monotonic() - started
    lines = [line for line in errors.decode(errors="replace").splitlines() if TICK_LINE.search(line)]
    found = TICK_MS.search(lines[-1]) if lines else None
    notices = query(database, "SELECT count(*) FROM alert_notices")[0][0] - before
    tick = f"{float(found.group(1)) / 1000:.3f} s" if found else "not logged"
    print(f"re-alert tick over {firing} firing alerts, all due: `dispatchbot scheduler run realert_alerts`")
    print(
        f"  tick (the scheduler's own timing): {tick}   (target <= 1 s); {notices} re-alert notices written"
    )
    print(f"  the whole command, start-up included: {whole:.2f} s (exit {command.returncode})")


def alert_configuration() -> dict[str, str]:
    """One source; a signal a channel by the `team` label, and one for the rest (the intake's)."""
    signals = [
        {"name": f"team {n}", "source": SOURCE, "match": {"team": f"team-{n}"}, "channel": f"#alerts-{n}"}
        for n in range(CHANNELS)
    ]
    signals.append(
        {
            "name": "cases",
            "source": SOURCE,
            "match": {"team": "case"},
            "route": "case",
            "channel": f"#{CASE_CHANNEL}",
        }
    )
    signals.append({"name": "everything else", "source": SOURCE, "channel": f"#{INTAKE_CHANNEL}"})
    source = {"name": SOURCE, "format": "generic", "token": TOKEN, "rate_limit_per_second": 1e6}
    return {"DISPATCHBOT_ALERT_SOURCES": json.dumps([source]), "DISPATCHBOT_SIGNALS": json.dumps(signals)}


async def wait_listening(port: int, path: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise SystemExit(f"nothing listening on port {port}")


async def baseline(events: list[tuple[str, bytes]], senders: int, directory: Path) -> Intake:
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES}
    with (directory / "bare.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BARE_APP), env={**environment, "PORT": str(port)}, stdout=log, stderr=log
        )
    try:
        await wait_listening(port, "/")
        await flood("bare", port, process.pid, events[: senders * 2], senders)  # warm-up
        return await flood("bare aiohttp", port, process.pid, events, senders)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


async def cases_shown(database: Path) -> None:
    """Until every case's message is posted and shows its latest count (edits wait a second apart)."""
    started = time.monotonic()
    while time.monotonic() - started < DELIVERY_TIMEOUT:
        behind = "SELECT count(*) FROM cases WHERE message_ts IS NULL OR rendered_version < version"
        if query(database, behind)[0][0] == 0:
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"case messages did not catch up within {DELIVERY_TIMEOUT:.0f} s")


def report_cases(slack: FakeSlack, channel: str, database: Path) -> None:
    counts = [count for (count,) in query(database, "SELECT alert_count FROM cases WHERE signal = 'cases'")]
    calls = Counter(call.method for call in slack.calls if call.args.get("channel") == channel)
    print(
        f"  cases: {len(counts)} (target 1) counting {sum(counts)} alerts;"
        f" #{CASE_CHANNEL}: {calls['chat.postMessage']} posts (the case and its payload reply),"
        f" {calls['chat.update']} edits (target: a handful)"
    )


async def main(events: int, senders: int, paced: int, rate: float, cases: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        database = directory / "bench.db"
        async with FakeSlack() as slack:
            channels = [
                slack.add_channel(f"alerts-{n}", members=[slack.bot_user_id]).id for n in range(CHANNELS)
            ]
            intake_channel = slack.add_channel(INTAKE_CHANNEL, members=[slack.bot_user_id]).id
            case_channel = slack.add_channel(CASE_CHANNEL, members=[slack.bot_user_id]).id
            flood_events = [(f"intake-{n}", event(f"intake-{n}", "intake")) for n in range(events)]
            bare = await baseline(flood_events, senders, directory)

            port = free_port()
            bot = await spawn_bot(slack, directory, port, **alert_configuration())
            try:
                await slack.socket.wait_connected(timeout=30)
                await wait_listening(port, "/healthz")
                warm_up = [(f"warmup-{n}", event(f"warmup-{n}", f"team-{n % CHANNELS}")) for n in range(50)]
                await flood("warm-up", port, bot.pid, warm_up, senders)  # channel look-ups, first requests
                await delivered(database)
                intake = await flood("dispatchbot", port, bot.pid, flood_events, senders)
                drained = await delivered(database)
                sent = await paced_stream(port, paced, rate, CHANNELS)
                await delivered(database)
                case_events = [(f"case-{n}", event(f"case-{n}", "case")) for n in range(cases)]
                case_intake = await flood("case route", port, bot.pid, case_events, senders)
                await delivered(database)
                await cases_shown(database)
            finally:
                if bot.returncode is None:
                    await stop_bot(bot)
                else:  # it died: say why
                    print((directory / LOG_FILE).read_text()[-3000:], file=sys.stderr)
            print(f"intake: {senders} senders, {events} single-alert events, SQLite")
            print(
                f"  {'':<12}{'accepted':>11}{'p50 ms':>8}{'p99':>7}{'max':>7}{'CPU µs/ev':>10}{'refused':>9}"
            )
            bare.report()
            intake.report()
            print("  targets: dispatchbot >= 1,000/s, p99 <= 50 ms")
            print(f"  delivery finished {drained:.1f} s after the last 202")
            check_intake(slack, intake_channel, database, intake.sent)

            latencies = message_latencies(slack, database, sent)
            storms = sum(
                1 for c in channels for m in top_level(slack, c) if not ALERT_MARKER.match(marker(m))
            )
            print(
                f"202 → Slack message: {paced} alerts at {rate:g}/s over {CHANNELS} channels"
                f" ({storms} storm messages)"
            )
            if latencies:
                print(
                    f"  p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms,"
                    f" max {max(latencies):.0f} ms   (target p99 <= 1000 ms)"
                )
            print(f"case route: {cases} alerts of one signal in a burst, {senders} senders")
            case_intake.report()
            report_cases(slack, case_channel, database)
            await realert_tick(slack, directory, database)
        log_lines = len((directory / LOG_FILE).read_bytes().splitlines())
    print(f"dispatchbot wrote {log_lines} log lines at the default level during the run")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--paced", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40.0, help="paced alerts a second, over all channels")
    parser.add_argument("--cases", type=int, default=1000, help="alerts of the case route's burst")
    parser.add_argument(
        "--quick", action="store_true", help="smaller numbers, a smoke test: 500 events, 40 paced"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.events, arguments.paced, arguments.cases = 500, 40, 100
    asyncio.run(main(arguments.events, arguments.senders, arguments.paced, arguments.rate, arguments.cases))
