"""50 incidents reported at once while Slack holds `conversations.create` to 20 per minute.

The bot runs as a real `dispatchbot run` process. Prints how many incidents got a channel, how many
channels were duplicates, and the elapsed time against the bound the rate limit imposes (the first 20
at once, then one every 3 s). Targets: 50 created, 0 duplicates, within 10 % of the bound.
Run: python benchmarks/burst.py [--reports 50] [--per-minute 20]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import tempfile
import time
from pathlib import Path

from _harness import free_port, spawn_bot, stop_bot

from dispatchbot.testing import FakeSlack, Person

INCIDENT_CHANNEL = re.compile(r"^inc-(\d+)-")


async def report(person: Person, channel: str, title: str) -> None:
    await person.slash_command("/dispatch-report-incident", channel=channel)
    view = await person.wait_for_view(callback_id="report_incident", timeout=30)
    view.fill({"Title": title})
    await view.submit()


async def main(reports: int, per_minute: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            users = [slack.add_user(f"user{i}") for i in range(reports)]
            general = slack.add_channel("general", members=[*(u.id for u in users), slack.bot_user_id])
            bot = await spawn_bot(slack, Path(directory), free_port())
            try:
                await slack.socket.wait_connected(timeout=30)
                slack.faults.rate_limit_per_minute("conversations.create", per_minute)
                started = time.monotonic()
                await asyncio.gather(
                    *(report(slack.as_user(u), general.id, f"Burst {i}") for i, u in enumerate(users))
                )
                bound = max(0, reports - per_minute) * 60.0 / per_minute
                deadline = started + bound * 1.5 + 30
                while time.monotonic() < deadline:
                    channels = [
                        c for c in slack.workspace.channels.values() if INCIDENT_CHANNEL.match(c.name)
                    ]
                    if len(channels) >= reports and all(c.pins for c in channels):
                        break
                    await asyncio.sleep(0.1)
                elapsed = time.monotonic() - started
                channels = [c for c in slack.workspace.channels.values() if INCIDENT_CHANNEL.match(c.name)]
                numbers = [int(INCIDENT_CHANNEL.match(c.name).group(1)) for c in channels]  # type: ignore[union-attr]
                limited = sum(1 for call in slack.calls_to("conversations.create") if call.status == 429)
            finally:
                await stop_bot(bot)
            with sqlite3.connect(f"{directory}/bench.db") as database:
                incidents = database.execute("SELECT count(*) FROM incidents").fetchone()[0]
    print(f"burst: {reports} reports at once, conversations.create held to {per_minute}/min")
    print(
        f"  incidents recorded: {incidents}, with a ready channel: {len(set(numbers))}   (target {reports})"
    )
    print(f"  duplicate channels: {len(numbers) - len(set(numbers))}   (target 0)")
    print(f"  429 answers seen: {limited}")
    print(
        f"  elapsed {elapsed:.1f} s vs rate-limit bound {bound:.1f} s: "
        f"{(elapsed / bound - 1) * 100 if bound else 0:+.1f} %   (target within 10 %)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--per-minute", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.reports, arguments.per_minute))
