"""Every slash command of the bot works through the sandbox's UI (issue 14's "done when"): as alice,
each configured command, run where it belongs, answers her with a modal or a message she can see, never
an error; the modals that create something are submitted once and what they made shows in the channel.

One sandbox process serves the whole module (starting one costs seconds); each command is its own test,
so a failure names it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from dispatchbot.commands import Command
from tests.sandbox.dom import text_of
from tests.sandbox.launch import FAILURES, channel_named, fill_modal, name_of, person, sandbox
from tests.sandbox.test_process import Sandbox
from tests.support.waiting import eventually_value

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

WAIT = 30
"""Seconds to wait for the bot: this machine may be busy with other test runs."""


@dataclass
class Workspace:
    """The running sandbox with an incident and a case reported by alice."""

    running: Sandbox
    alice: str
    people: dict[str, str] = field(default_factory=dict)
    """Names to ids, for the values of user selects (``{bob}``)."""
    channels: dict[str, str] = field(default_factory=dict)

    async def messages(self, channel: str) -> list[str]:
        """The texts of what alice sees in ``channel``, oldest first."""
        page = await self.running.fragment(f"/api/channel/{self.channels[channel]}", **{"as": self.alice})
        return [text_of(m) for m in page.iterfind(".//li") if "message" in (m.get("class") or "")]

    async def dialog(self) -> Any:
        return (await self.running.fragment("/api/modal", **{"as": self.alice})).find(
            ".//div[@role='dialog']"
        )

    async def confirmed(self, text: str) -> str:
        """The modal the bot answered a submission with, once it holds ``text``."""

        async def found() -> str | None:
            dialog = await self.dialog()
            return None if dialog is None or text not in text_of(dialog) else text_of(dialog)

        return await eventually_value(found, what=f"a modal saying {text!r}", within=WAIT)

    async def fill(self, chosen: dict[str, str], values: dict[str, str]) -> None:
        """Choose the ``dispatch_action`` inputs of the open modal by label, each re-rendering it, then
        enter the other values by label and submit."""
        for label, value in chosen.items():
            dialog = await self.labelled([label])
            block_id, action_id = _inputs(dialog)[label]
            await self.running.post(
                "/api/action",
                **{
                    "as": self.alice,
                    "container": "view",
                    "view_id": dialog.get("data-view-id"),
                    "block_id": block_id,
                    "action_id": action_id,
                    "values": {block_id: {action_id: value}},
                    "dispatch": True,
                },
            )
        entries = chosen | values
        dialog = await self.labelled(list(entries))
        entered: dict[str, dict[str, str]] = {}
        for label, value in entries.items():
            block_id, action_id = _inputs(dialog)[label]
            entered.setdefault(block_id, {})[action_id] = value
        await self.running.post(
            "/api/submit", **{"as": self.alice, "view_id": dialog.get("data-view-id"), "values": entered}
        )

    async def labelled(self, labels: list[str]) -> Any:
        """The open modal once it has inputs with all these labels (the command's modal, re-rendered)."""

        async def found() -> Any:
            dialog = await self.dialog()
            if dialog is None:
                return None
            return dialog if _inputs(dialog).keys() >= set(labels) else None

        return await eventually_value(found, what=f"a modal with inputs {labels}", within=WAIT)

    async def close_modals(self) -> None:
        while (open_view := await self.dialog()) is not None:
            await self.running.post(
                "/api/close", **{"as": self.alice, "view_id": open_view.get("data-view-id")}
            )

    async def shown(self, channel: str, text: str, since: int = 0) -> str:
        """The first message of ``channel`` after the ``since`` first ones that holds ``text``."""

        async def found() -> str | None:
            return next((m for m in (await self.messages(channel))[since:] if text in m), None)

        return await eventually_value(found, what=f"{text!r} in #{channel}", within=WAIT)


def _inputs(dialog: Any) -> dict[str, tuple[str, str]]:
    """The block and action ids of the modal's inputs, by the text of their ``<label for>``."""
    labels = {label.get("for"): text_of(label) for label in dialog.iterfind(".//label[@for]")}
    return {
        labels[c.get("id")]: (str(c.get("data-block-id")), str(c.get("data-action-id")))
        for c in dialog.iterfind(".//*[@data-block-id]")
        if c.get("id") in labels
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def workspace(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Workspace]:
    tmp_path: Path = tmp_path_factory.mktemp("sandbox")
    async with sandbox(tmp_path) as (running, _):
        alice = await person(running, "alice")
        names = ("general", "alerts")
        channels = {name: str(await channel_named(running, alice, name)) for name in names}
        people = {name: await person(running, name) for name in ("alice", "bob")}
        space = Workspace(running, alice, people, channels)
        await fill_modal(
            running, alice, name_of(Command.REPORT_INCIDENT), channels["general"], {"Title": "DB latency"}
        )

        async def incident() -> str | None:
            return await channel_named(running, alice, "inc-1-db-latency")

        channels["incident"] = await eventually_value(incident, what="the incident channel", within=WAIT)
        await space.close_modals()
        await fill_modal(
            running, alice, name_of(Command.CREATE_CASE), channels["alerts"], {"Title": "Odd 502s"}
        )
        await space.shown("alerts", "CASE-1")
        assert sorted((await running.json("/api/session"))["commands"]) == sorted(map(name_of, Command))
        yield space


@dataclass(frozen=True)
class Use:
    """How alice uses one command: where, with what text after its name, and (for a modal worth
    submitting) the values to enter by label and the text that then shows in the channel."""

    channel: str = "incident"
    argument: str = ""
    values: dict[str, str] = field(default_factory=dict)
    chosen: dict[str, str] = field(default_factory=dict)
    made: str = ""
    confirmed: bool = False
    """Whether the bot confirms ``made`` in a modal rather than in the channel."""


USES: dict[Command, Use] = {
    Command.REPORT_INCIDENT: Use(
        "general", values={"Title": "Cache misses"}, made="INC-2 is open", confirmed=True
    ),
    Command.LIST_INCIDENTS: Use(),
    Command.UPDATE_INCIDENT: Use(values={"Status": "Stable"}, made="Stable"),
    Command.ASSIGN_ROLE: Use(values={"Person": "{bob}", "Role": "Scribe"}, made="Scribe"),
    Command.LIST_PARTICIPANTS: Use(),
    Command.UPDATE_PARTICIPANT: Use(),
    Command.NOTIFICATIONS_GROUP: Use(),
    Command.REPORT_TACTICAL: Use(
        values={"Conditions": "p99 is 5 s", "Actions": "failing over"}, made="failing over"
    ),
    Command.REPORT_EXECUTIVE: Use(
        values={"Current status": "Mitigating", "Overview": "Checkout is slow"}, made="Checkout is slow"
    ),
    Command.ADD_TIMELINE_EVENT: Use(
        values={"Description": "Failover started", "Date": "2026-01-02", "Time": "10:30"},
        made="Failover started",
    ),
    Command.CREATE_TASK: Use(
        values={"Description": "Check the replicas", "Assignees": "{alice}"}, made="Check the replicas"
    ),
    Command.LIST_TASKS: Use(),
    Command.LIST_MY_TASKS: Use(),
    Command.ENGAGE_ONCALL: Use(values={"Service": "Database"}, made="is on call for", confirmed=True),
    Command.LIST_CASES: Use("alerts"),
    Command.LIST_SIGNALS: Use("alerts"),
    Command.CREATE_CASE: Use("alerts"),
    Command.UPDATE_CASE: Use("alerts", "CASE-1"),
    Command.ESCALATE_CASE: Use("alerts", "CASE-1"),
    Command.RUN_WORKFLOW: Use(
        chosen={"Workflow": "Roll back"}, values={"Reason": "bad deploy"}, made="workflow: Roll back"
    ),
    Command.LIST_WORKFLOWS: Use(),
}


async def test_every_command_is_exercised() -> None:
    assert set(USES) == set(Command)


@pytest.mark.parametrize("command", list(USES), ids=lambda c: name_of(c))
async def test_the_command_answers_alice(workspace: Workspace, command: Command) -> None:
    use = USES[command]
    await workspace.close_modals()
    seen = len(await workspace.messages(use.channel))
    text = f"{name_of(command)} {use.argument}".strip()
    await workspace.running.post(
        "/api/send", **{"as": workspace.alice, "channel": workspace.channels[use.channel], "text": text}
    )

    async def answered() -> str | None:
        dialog = await workspace.dialog()
        if dialog is not None:
            return text_of(dialog)
        new = (await workspace.messages(use.channel))[seen:]
        return new[-1] if new else None

    answer = await eventually_value(answered, what=f"an answer to {text}", within=WAIT)
    assert not FAILURES.search(answer), answer
    if use.made:
        values = {label: value.format(**workspace.people) for label, value in use.values.items()}
        await workspace.fill(use.chosen, values)
        if use.confirmed:
            made = await workspace.confirmed(use.made)
        else:
            made = await workspace.shown(use.channel, use.made, seen)
        assert not FAILURES.search(made), made
    await workspace.close_modals()
