"""What case end-to-end tests share: a `Desk` (a bot whose one signal, `Disk full`, opens cases in
#triage, on a hand-set clock), the `open_desk` fixture (in conftest.py) and reading what a message shows."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack, Message
from dispatchbot.testing.slack.state import Ephemeral
from tests.e2e.alerts.support import alert_settings, delivered, post, replies, top_level
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
TRIAGE = "triage"
WINDOW = 3600.0
_samples = itertools.count(1)


@dataclass
class Desk:
    """A bot whose one signal, `Disk full`, opens cases in #triage, on a hand-set clock."""

    running: Running
    slack: FakeSlack
    channel: Channel
    clock: ManualClock

    async def fire(
        self, key: str, *, status: str = "firing", title: str = "Disk 95% on db1", instance: str = ""
    ) -> str:
        """A generic-format alert `key` on host `instance` (else `key`); the action its 202 reports."""
        body = {
            "title": title,
            "status": status,
            "deduplication_key": key,
            "severity": "error",
            "description": f"sample {next(_samples)}",
            "metadata": {"alertname": "DiskFull", "instance": instance or key},
        }
        code, answer = await post(self.running, "generic", body)
        assert code == 202, answer
        return str(answer["alerts"][0]["action"])

    async def settled(self) -> None:
        """Every notice delivered, every case message showing its case, every timeline line said."""
        deps = self.running.deps

        async def done() -> bool:
            return (
                not await deps.alerts.pending_notices(1)
                and not await deps.cases.unrendered(1)
                and not await deps.cases.unposted_events(1)
            )

        await delivered(self.running)
        await eventually(done, within=10, what="case delivery")

    def cases(self) -> list[Message]:
        return top_level(self.slack, self.channel.id)

    def case(self, number: int) -> Message:
        """The message of CASE-`number`: cases opened within milliseconds may be posted in either order."""
        [message] = [m for m in self.cases() if m.text.startswith(f"CASE-{number}:")]
        return message

    def thread(self, index: int = -1) -> list[Message]:
        return replies(self.slack, self.cases()[index])


OpenDesk = Callable[..., Awaitable[Desk]]


def shown(message: Message | Ephemeral) -> str:
    """Every text of the message's blocks (sections, fields, context), a line each."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.blocks)
    return "\n".join(found)


def says(message: Message, text: str) -> bool:
    return text in shown(message)


@contextlib.asynccontextmanager
async def desks(slack: FakeSlack, database_url: str) -> AsyncIterator[OpenDesk]:
    """Opens `Desk`s (the `open_desk` fixture), all stopped on leaving."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_(
            *,
            case_types: list[dict[str, Any]] | None = None,
            more_signals: list[dict[str, Any]] | None = None,
            **signal: Any,
        ) -> Desk:
            """`signal` keys are laid over the signal's; `case_types` replaces the case catalog;
            `more_signals` come after the signal."""
            channel = slack.add_channel(TRIAGE, members=[slack.bot_user_id])
            signals = [{"name": "Disk full", "route": "case", "channel": f"#{TRIAGE}", **signal}]
            signals += more_signals or []
            catalog = {"case_types": case_types} if case_types else {}
            settings = alert_settings(slack, database_url, signals=signals, **catalog)
            clock = ManualClock(START)
            running = await stack.enter_async_context(running_bot(slack, settings, clock))
            return Desk(running, slack, channel, clock)

        yield open_
