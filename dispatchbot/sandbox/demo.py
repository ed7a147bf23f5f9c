"""`--seed demo`: a first look that is not an empty screen, made through the real bot by its people.

Everything goes through the workspace's people drivers (slash commands, modals, as the tests do), so
what the page shows is what the bot made: three incidents (a High one, active, whose commander is
paged, with a task and a tactical report; a stable one; a closed one) and two alerts in #alerts. It
runs in the background once the bot is connected, so the page is usable at once and fills in over a
few seconds. Only a fresh workspace is seeded: one restored from a `--db` snapshot was seeded (or
used) before, so seeding it again would double the demo.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from dispatchbot.sandbox.panels import SandboxWithPanels
from dispatchbot.testing.slack.driver import Person
from dispatchbot.testing.slack.server import FakeSlack
from dispatchbot.testing.slack.state import Channel

WAIT_SECONDS = 30.0
"""How long a step may take the bot (a cold start migrates the database and loads the providers)."""
ALERTS = ("alertmanager-firing", "grafana")


class SeedFailed(Exception):
    """The bot did not do what a step asked (in time)."""


async def _until(done: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise SeedFailed(f"the bot did not {what} in {WAIT_SECONDS:.0f} s")


class Demo:
    def __init__(self, fake: FakeSlack, commands: Mapping[str, str], web: SandboxWithPanels) -> None:
        self.fake = fake
        self.ws = fake.workspace
        self.commands = commands
        """Command settings name → the configured slash command (`report_incident` → `/dispatch-...`)."""
        self.web = web

    def person(self, name: str) -> Person:
        return self.fake.as_user(next(u for u in self.ws.users.values() if u.name == name))

    def channel(self, name: str) -> Channel:
        found = self.ws.channel_by_name(name)
        if found is None:
            raise SeedFailed(f"there is no #{name}")
        return found

    async def form(self, who: Person, command: str, where: Channel, values: Mapping[str, Any]) -> None:
        """Run ``command`` in ``where``, fill the modal it opens by label, submit it."""
        ack = await who.slash_command(self.commands[command], channel=where.id)
        if not ack.ok:
            raise SeedFailed(f"{self.commands[command]} was not answered")
        view = await who.wait_for_view(timeout=WAIT_SECONDS, callback_id=command)
        view.fill(values)
        await view.submit()

    async def report(self, who: Person, values: Mapping[str, Any]) -> Channel:
        before = set(self.ws.channels)
        await self.form(who, "report_incident", self.channel("incidents"), values)

        def created() -> Channel | None:
            return next(
                (c for c in self.ws.channels.values() if c.id not in before and not c.is_im and c.pins), None
            )

        channel: Channel = await _until(created, f"create the incident {values['Title']!r}")
        return channel

    async def set_status(self, who: Person, channel: Channel, status: str, **values: str) -> None:
        await self.form(who, "update_incident", channel, {"Status": status, **values})
        await _until(lambda: f"Status: {status}" in channel.topic, f"set {channel.name} {status}")

    async def run(self) -> None:
        alice, bob, carol = self.person("alice"), self.person("bob"), self.person("carol")
        checkout = await self.report(
            alice,
            {
                "Title": "Checkout latency above 2 s",
                "Description": "p99 of POST /checkout",
                "Priority": "High",  # which pages its commander, the Database on-call: see the pager panel
            },
        )
        await bob.join(checkout.id)
        await self.form(
            alice,
            "create_task",
            checkout,
            {"Assignees": [bob.id], "Description": "Compare the last two deploys of the payment service"},
        )
        await self.form(
            alice,
            "report_tactical",
            checkout,
            {"Conditions": "p99 at 2.4 s, error rate normal", "Actions": "Bob is bisecting the deploys"},
        )
        search = await self.report(
            bob, {"Title": "Search index lagging", "Severity": "Low", "Priority": "Low"}
        )
        await self.set_status(bob, search, "Stable")
        login = await self.report(carol, {"Title": "Login errors for EU users", "Priority": "Medium"})
        await self.set_status(carol, login, "Closed", Resolution="Rolled back the identity provider config")
        for sample in ALERTS:
            await self.web.send_sample(sample)


async def seed(demo: Demo, says: Callable[[str], None]) -> None:
    """Seed in the background; a failure is told, never fatal to the sandbox."""
    try:
        await demo.run()
    except Exception as exc:  # a convenience: say why it stopped, and keep the sandbox running
        says(f"the demo seed stopped: {exc or type(exc).__name__} (see the bot's log)")
        return
    says("demo incidents, tasks, a tactical report and alerts are in place")


def start(demo: Demo, says: Callable[[str], None]) -> asyncio.Task[None]:
    return asyncio.create_task(seed(demo, says))
