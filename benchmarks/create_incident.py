"""Report → incident channel ready, with 50 ms injected on every Slack call.

The bot runs as a real `dispatchbot run` process. Prints the wall time from submitting the report to
the reporter's confirmation (channel created, set up, header pinned, people invited and welcomed), and
the number of sequential Slack calls on that critical path (the longest chain of calls each starting
after the previous one ended). Targets: <= 0.6 s and <= 8 calls.
Run: python benchmarks/create_incident.py [--reports 5] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _harness import free_port, spawn_bot, stop_bot

from dispatchbot.testing import ApiCall, FakeSlack


def critical_path(calls: list[ApiCall], since: float) -> int:
    """Length of the longest chain of non-overlapping calls after `since`: the sequential calls."""
    window = sorted((c for c in calls if c.started >= since), key=lambda c: c.at)
    chain: list[int] = []
    for index, call in enumerate(window):
        before = [chain[j] for j in range(index) if window[j].at <= call.started]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


async def main(reports: int, latency: float) -> None:
    times: list[float] = []
    paths: list[int] = []
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            reporter = slack.add_user("reporter", real_name="Rita Reporter")
            general = slack.add_channel("general", members=[reporter.id, slack.bot_user_id])
            person = slack.as_user(reporter)
            bot = await spawn_bot(slack, Path(directory), free_port())
            try:
                await slack.socket.wait_connected(timeout=30)
                for index in range(reports + 1):  # the first is a warm-up
                    slack.faults.clear()
                    await person.slash_command("/dispatch-report-incident", channel=general.id)
                    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
                    view.fill({"Title": f"Benchmark incident {index}"})
                    slack.faults.latency("*", latency)
                    started = time.monotonic()
                    await view.submit()
                    while True:
                        top = slack.workspace.top_view(reporter.id)
                        if top is not None and top.title == "Incident Reported":
                            break
                        await asyncio.sleep(0.002)
                    elapsed = time.monotonic() - started
                    if index:
                        times.append(elapsed)
                        paths.append(critical_path(slack.calls, started))
            finally:
                slack.faults.clear()
                await stop_bot(bot)
    print(f"report → channel ready, {reports} reports, {latency * 1000:.0f} ms injected per Slack call")
    print(f"  wall time: median {statistics.median(times):.3f} s, max {max(times):.3f} s   (target <= 0.6 s)")
    print(f"  sequential Slack calls on the critical path: {max(paths)}   (target <= 8)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.reports, arguments.latency))
