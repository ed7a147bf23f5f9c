"""Ack latency as Slack sees it, dispatchbot against a bare slack-bolt app, over Socket Mode.

Both run as real processes at their default log level, each connected to its own fake Slack: the
bot as `dispatchbot run`, the yardstick as `bare_bolt_app.py` (the same database query inside its
ack, on the same SQLite file, with a few incidents in it). The ack latency is the time from the fake
sending an envelope to receiving its ack; the answer latency, the time until the list is shown (the
bare app answers in its ack, dispatchbot right after it through the response_url). A command is in
flight until it is answered (with --until-ack, until it is acked, as a client that fires commands
without reading the answers). Rounds alternate between the two, so other load on the machine falls on
both alike; the CPU time each process used per command is printed too, as it depends less on that
load. Two scenarios of `/dispatch-list-incidents`:

- burst: 50 people at the same instant, several rounds. Target: dispatchbot p99 <= the bare app's
  p99 and <= 100 ms.
- paced: 100 commands, 5 at a time. Target: dispatchbot p99 <= 25 ms.

Then dispatchbot alone, for the other kinds of command ack: one that opens a modal after the ack (its
answer: the modal is shown) and one no handler claims (answered in the ack).
Run: python benchmarks/ack_latency.py [--burst 50] [--rounds 5] [--paced 100] [--concurrency 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from _harness import LOG_FILE, PROXY_VARIABLES, cpu_seconds, free_port, percentile, spawn_bot, stop_bot

from dispatchbot.clock import SystemClock
from dispatchbot.domain import IncidentDraft, Role, Visibility
from dispatchbot.services.incidents import IncidentService
from dispatchbot.storage.engine import open_database
from dispatchbot.testing import FakeSlack, Person
from dispatchbot.testing.slack.state import JSON, ResponseTarget

LIST = "/dispatch-list-incidents"
REPORT = "/dispatch-report-incident"
OTHER_COMMANDS = (
    REPORT,  # ack, then the modal opens after the ack (its answer: the modal is shown)
    "/dispatch-page-everyone",  # no such command: answered in the ack by the fallback
)
BARE_APP = Path(__file__).with_name("bare_bolt_app.py")
SEEDED_INCIDENTS = 8
ANSWER_TIMEOUT = 30.0


@dataclass
class Contender:
    name: str
    slack: FakeSlack
    people: list[Person]
    channel: str
    pid: int = 0
    until_ack: bool = False
    """Whether a command leaves flight at its ack (answers not waited for, nor measured)."""
    acks: dict[str, list[float]] = field(default_factory=dict)
    answers: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    commands: dict[str, int] = field(default_factory=dict)
    _waiting: dict[str, asyncio.Future[float]] = field(default_factory=dict)

    def watch_answers(self) -> None:
        """Note when an answer is shown: from the ack (the bare app) or a response_url (dispatchbot)."""
        show = self.slack.response_urls.show

        def shown(target: ResponseTarget, body: JSON) -> None:
            waiting = self._waiting.pop(target.user_id or "", None)
            if waiting is not None and not waiting.done():
                waiting.set_result(time.perf_counter())
            show(target, body)

        self.slack.response_urls.show = shown  # type: ignore[method-assign]

    async def command(self, person: Person, scenario: str, command: str = LIST) -> None:
        answer: asyncio.Future[float] | None = None
        if command == LIST and not self.until_ack:
            answer = self._waiting[person.id] = asyncio.get_running_loop().create_future()
        sent = time.perf_counter()
        ack = await person.slash_command(command, channel=self.channel)
        if not ack.ok or ack.latency is None:
            raise SystemExit(f"{self.name}: a {command} was not acknowledged")
        self.acks.setdefault(scenario, []).append(ack.latency * 1000)
        if self.until_ack:
            return
        if answer is not None:
            shown_at = await asyncio.wait_for(answer, ANSWER_TIMEOUT)
        elif command == REPORT:  # a person waits for the form before doing anything else
            await person.wait_for_view(ANSWER_TIMEOUT, callback_id="report_incident")
            shown_at = time.perf_counter()
        else:
            shown_at = sent + ack.latency
        self.answers.setdefault(scenario, []).append((shown_at - sent) * 1000)

    async def burst(self, scenario: str, size: int, command: str = LIST) -> None:
        await self._measured(scenario, size, self._gather(scenario, size, command))

    async def paced(self, scenario: str, total: int, concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int) -> None:
            async with gate:
                await self.command(self.people[index % len(self.people)], scenario)

        await self._measured(scenario, total, asyncio.gather(*(one(i) for i in range(total))))

    async def _gather(self, scenario: str, size: int, command: str) -> None:
        await asyncio.gather(*(self.command(person, scenario, command) for person in self.people[:size]))

    async def _measured(self, scenario: str, count: int, work: Awaitable[object]) -> None:
        before = cpu_seconds(self.pid)
        await work
        self.cpu[scenario] = self.cpu.get(scenario, 0.0) + cpu_seconds(self.pid) - before
        self.commands[scenario] = self.commands.get(scenario, 0) + count


async def main(burst: int, rounds: int, paced: int, concurrency: int, until_ack: bool) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        async with AsyncExitStack() as stack:
            bot = await contender(stack, "dispatchbot", max(burst, concurrency))
            bare = await contender(stack, "bare bolt", max(burst, concurrency))
            process = await spawn_bot(bot.slack, directory, free_port())
            stack.push_async_callback(stop_bot, process)
            await bot.slack.socket.wait_connected(timeout=30)
            await seed(f"sqlite+aiosqlite:///{directory}/bench.db", bot.people[0].id)
            bare_process = await spawn_bare(bare.slack, directory)
            stack.push_async_callback(stop_bare, bare_process)
            await bare.slack.socket.wait_connected(timeout=30)
            bot.pid, bare.pid = process.pid, bare_process.pid
            bot.until_ack = bare.until_ack = until_ack
            both = (bot, bare)
            for each in both:  # warm-up: first-request work (bolt's auth.test, pools) is not measured
                await each.paced("warm-up", 10, concurrency)

            await alternate(both, rounds, lambda c: c.burst("burst", burst))
            await alternate(both, rounds, lambda c: c.paced("paced", paced, concurrency))
            for command in OTHER_COMMANDS:
                for _ in range(rounds):
                    await bot.burst(command, burst, command)
        log_lines = len((directory / LOG_FILE).read_bytes().splitlines())
    report(both, burst, rounds, paced, concurrency, log_lines)


def report(
    both: tuple[Contender, Contender], burst: int, rounds: int, paced: int, concurrency: int, log_lines: int
) -> None:
    bot = both[0]
    print(f"{LIST}: dispatchbot vs a bare slack-bolt app (same query, same SQLite file), in ms")
    print(f"  {'':<42}{'ack p50':>8}{'p99':>7}{'max':>7}{'answer p50':>12}{'p99':>7}{'CPU/cmd':>9}")
    scenarios = {
        "burst": f"{burst} at once x {rounds} rounds",
        "paced": f"{paced} commands, {concurrency} at a time x {rounds}",
    }
    for key, title in scenarios.items():
        for each in both:
            acks, answers = each.acks[key], each.answers.get(key)
            cpu = each.cpu[key] * 1000 / each.commands[key]
            shown = (
                f"{percentile(answers, 0.5):12.1f}{percentile(answers, 0.99):7.1f}"
                if answers
                else f"{'-':>12}{'-':>7}"
            )
            print(
                f"  {title:<30}{each.name:>12}{percentile(acks, 0.5):8.1f}{percentile(acks, 0.99):7.1f}"
                f"{max(acks):7.1f}{shown}{cpu:9.2f}"
            )
    bot_burst, bare_burst = (percentile(c.acks["burst"], 0.99) for c in both)
    bot_paced = percentile(bot.acks["paced"], 0.99)
    burst_met = "met" if bot_burst <= min(bare_burst, 100) else "NOT met"
    paced_met = "met" if bot_paced <= 25 else "NOT met"
    print(
        f"  burst ack p99: {bot_burst:.1f} vs bare {bare_burst:.1f} (target <= bare and <= 100: {burst_met})"
    )
    print(f"  paced ack p99: {bot_paced:.1f} (target <= 25: {paced_met})")
    print(f"dispatchbot alone, {burst} at once x {rounds} rounds, in ms:")
    for command in OTHER_COMMANDS:
        acks, answers = bot.acks[command], bot.answers.get(command)
        shown = f"{percentile(answers, 0.5):12.1f}{percentile(answers, 0.99):7.1f}" if answers else ""
        print(
            f"  {command:<42}{percentile(acks, 0.5):8.1f}{percentile(acks, 0.99):7.1f}{max(acks):7.1f}{shown}"
        )
    print(f"dispatchbot wrote {log_lines} log lines at the default level during the whole run")


async def contender(stack: AsyncExitStack, name: str, people: int) -> Contender:
    slack = await stack.enter_async_context(FakeSlack())
    persons = [slack.as_user(slack.add_user(f"user{i}")) for i in range(people)]
    channel = slack.add_channel("general", members=[slack.bot_user_id, *(p.id for p in persons)])
    each = Contender(name, slack, persons, channel.id)
    each.watch_answers()
    return each


async def alternate(
    both: tuple[Contender, Contender], rounds: int, run: Callable[[Contender], Awaitable[None]]
) -> None:
    """Rounds take turns (and swap who goes first), so a noisy moment on the machine hits both."""
    for index in range(rounds):
        for each in both if index % 2 == 0 else both[::-1]:
            await run(each)


async def seed(database_url: str, reporter: str) -> None:
    """A few incidents to list, one of them restricted (the query must check participation)."""
    database = open_database(database_url)
    try:
        incidents = IncidentService(database.sessions, SystemClock())
        for number in range(SEEDED_INCIDENTS):
            visibility = Visibility.RESTRICTED if number == 0 else Visibility.OPEN
            draft = IncidentDraft(
                f"Benchmark incident {number}", "", "Default", "Undetermined", "Medium", visibility
            )
            await incidents.create(f"bench:{number}", draft, reporter, {Role.COMMANDER: reporter})
    finally:
        await database.dispose()


async def spawn_bare(slack: FakeSlack, directory: Path) -> asyncio.subprocess.Process:
    environment = {name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES}
    environment.update(
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{directory}/bench.db",
    )
    with (directory / "bare.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(BARE_APP), env=environment, stdout=log, stderr=log
        )


async def stop_bare(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--paced", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument(
        "--until-ack", action="store_true", help="a command leaves flight at its ack, not at its answer"
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.burst, arguments.rounds, arguments.paced, arguments.concurrency, arguments.until_ack)
    )
