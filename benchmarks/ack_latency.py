"""Ack latency as Slack sees it: 50 concurrent slash commands through the fake, over Socket Mode.

The bot runs as a real `dispatchbot run` process. For each of a few commands, prints p50/p99/max of the
time from the fake sending an envelope to receiving its ack (target p99 <= 25 ms on this machine).
Run: python benchmarks/ack_latency.py [--commands 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from _harness import free_port, percentile, spawn_bot, stop_bot

from dispatchbot.testing import FakeSlack

COMMANDS = (
    "/dispatch-engage-oncall",  # not built yet: answered by the catch-all, the last listener bolt tries
    "/dispatch-report-incident",  # ack, then the modal opens after the ack
    "/dispatch-list-incidents",  # the answer (a database query) travels in the ack
)


async def main(commands: int, rounds: int) -> None:
    for command in COMMANDS:
        await measure(command, commands, rounds)


async def measure(command: str, commands: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            people = [slack.as_user(slack.add_user(f"user{i}")) for i in range(commands)]
            channel = slack.add_channel("general", members=[slack.bot_user_id])
            bot = await spawn_bot(slack, Path(directory), free_port())
            try:
                await slack.socket.wait_connected(timeout=30)
                for person in people[:5]:  # warm-up: first-request work (bolt's auth.test) is not measured
                    await person.slash_command(command, channel=channel.id)
                latencies: list[float] = []
                for _ in range(rounds):
                    acks = await asyncio.gather(
                        *(person.slash_command(command, channel=channel.id) for person in people)
                    )
                    if not all(ack.ok for ack in acks):
                        raise SystemExit("some commands were not acknowledged")
                    latencies.extend(ack.latency * 1000 for ack in acks)
            finally:
                await stop_bot(bot)
    print(f"{command}: ack latency, {rounds} rounds of {commands} concurrent ({len(latencies)} acks)")
    print(f"  p50 {percentile(latencies, 0.5):6.1f} ms")
    print(f"  p99 {percentile(latencies, 0.99):6.1f} ms   (target <= 25 ms)")
    print(f"  max {max(latencies):6.1f} ms   mean {statistics.fmean(latencies):.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.commands, arguments.rounds))
