"""Start-up time and idle memory of `dispatchbot run` against the fake Slack (SQLite).

Prints the time from process start to the Socket Mode connection being up (first start includes the
schema migration), and the resident memory after a few idle seconds (targets <= 2 s, <= 120 MB).
Run: python benchmarks/startup.py [--starts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _harness import free_port, spawn_bot, stop_bot

from dispatchbot.testing import FakeSlack

IDLE_SECONDS = 3.0


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def main(starts: int) -> None:
    times: list[float] = []
    memory: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            for attempt in range(starts):
                began = time.perf_counter()
                bot = await spawn_bot(slack, Path(directory), free_port())
                try:
                    await slack.socket.wait_connected(timeout=30)
                    times.append(time.perf_counter() - began)
                    await asyncio.sleep(IDLE_SECONDS)
                    memory.append(resident_megabytes(bot.pid))
                finally:
                    code = await stop_bot(bot)
                label = "first start (migrates)" if attempt == 0 else "restart"
                print(
                    f"  {label:24} connected in {times[-1]:.2f} s, idle RSS {memory[-1]:.0f} MB, exit {code}"
                )
                await asyncio.sleep(0.2)
    median_time, median_memory = statistics.median(times), statistics.median(memory)
    print(f"start-to-connected: median {median_time:.2f} s, max {max(times):.2f} s   (target <= 2 s)")
    print(f"idle RSS: median {median_memory:.0f} MB, max {max(memory):.0f} MB   (target <= 120 MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=3)
    asyncio.run(main(parser.parse_args().starts))
