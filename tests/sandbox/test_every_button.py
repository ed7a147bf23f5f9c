"""Every button of the bot works through the sandbox's UI (issue 14's "done when"): the bot shows it (a
command, a sample alert from the alerts panel, a reminder), the test finds it in the HTML fragment the
page gets, clicks it as the page's script does (`actionTarget` in static/app.js: the element's block and
action ids, and the message or view around it) and sees what a person would: a modal with its title, a
message that changed, a direct message, never an error.

One sandbox process serves the module, with a config (`--config`, which wins over the sandbox's
sections) that makes reminders come within seconds, lists more than a page of signals, has checkout
cases ask their owner, and points Google and PagerDuty at the test's own fakes, which it can take down
to show the Retry buttons of a document and of a run. Each button is its own test, so a failure names
it; they run in file order, and some use what an earlier one made (the incident, the case)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import Element

import pytest
import pytest_asyncio

from dispatchbot.cli import _to_toml
from dispatchbot.commands import Command
from dispatchbot.config.sections import DEFAULT_INCIDENT_TYPES, DEFAULT_PRIORITIES
from dispatchbot.ids import ActionId, BlockId
from dispatchbot.sandbox.people import PEOPLE
from dispatchbot.sandbox.vendors import (
    ALERT_SOURCE,
    ALERT_TOKEN,
    BOT_EMAIL,
    OPSGENIE_SCHEDULE,
    PAGERDUTY_SERVICE,
    _signals,
)
from dispatchbot.testing.google import FakeGoogle
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.sandbox.dom import text_of
from tests.sandbox.launch import FAILURES, answer, channel_named, fill_modal, name_of, person, sandbox
from tests.sandbox.test_process import Sandbox
from tests.support.waiting import eventually, eventually_value

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

WAIT = 30
"""Seconds to wait for the bot: this machine may be busy with other test runs."""

NOT_REACHABLE: dict[ActionId, str] = {
    ActionId.PROVIDE_SHIFT_FEEDBACK: "the shift-feedback job first ticks 5 minutes after the bot starts "
    "(a fixed period, not a setting), and `dispatchbot scheduler run` is no part of the sandbox's UI",
}
"""Buttons the sandbox cannot show, and why."""

COVERED: set[ActionId | BlockId] = set()
"""Filled by `@clicks`: the elements the tests below click."""

Tested = TypeVar("Tested", bound=Callable[..., Any])


def clicks(*elements: ActionId | BlockId) -> Callable[[Tested], Tested]:
    """Marks a test as the one that clicks these elements."""
    COVERED.update(elements)
    return lambda test: test


# ------------------------------------------------------------------------------------------ the config

LOW_REPORT_REMINDER_HOURS = 0.002
"""Low incidents remind their commander to write a tactical report every 7 s."""
CLOSE_REMINDER_DAYS = 0.0001
"""A Stable incident reminds its commander to close it after 9 s."""
QUIET_SIGNALS = 25
"""Signals that never match, posting in #alerts: with the sandbox's own, more than a page of them."""
DOCUMENT_TEMPLATE = "tpl-incident"
LATE_TEMPLATE = "tpl-drill"
"""The Drill type's document template, which the test's Google has only once the test adds it."""


def config(google: FakeGoogle, pagerduty: FakePagerDuty, directory: Path) -> str:
    """Reminders within seconds; the timeline five events a page; failed runs given up after two tries;
    Google and PagerDuty the test's own fakes (to take down and bring back); and the signals: the
    sandbox's, checkout cases asking their owner (engagement), and more than a page of them."""
    priorities = [p.model_dump(mode="json") for p in DEFAULT_PRIORITIES]
    for priority in priorities:
        if priority["name"] == "Low":
            priority["tactical_report_reminder_hours"] = LOW_REPORT_REMINDER_HOURS
    incident_types = [t.model_dump(mode="json") for t in DEFAULT_INCIDENT_TYPES]
    incident_types[0]["document_template"] = DOCUMENT_TEMPLATE
    incident_types.append({"name": "Drill", "document_template": LATE_TEMPLATE})
    signals = [dict(signal) for signal in _signals(PAGERDUTY_SERVICE[1])]
    checkout = next(signal for signal in signals if signal.get("route") == "case")
    checkout |= {"entities": {"owner": "labels.owner"}, "engage": "owner"}
    quiet = [
        {
            "name": f"Quiet {n}",
            "source": ALERT_SOURCE,
            "channel": "#alerts",
            "match": {"alertname": f"never-{n}"},
        }
        for n in range(QUIET_SIGNALS)
    ]
    return _to_toml(
        {
            "scheduler": {"reminder_tick_seconds": 1.0, "workflow_poll_seconds": 5.0},
            "summaries": {"close_reminder_after_days": CLOSE_REMINDER_DAYS},
            "timeline": {"page_size": 5},
            "runs": {"max_attempts": 2, "retry_backoff_seconds": 0.2},
            "providers": {"error_retries": 0},
            "google": google.settings(directory).model_dump(mode="json"),
            "pagerduty": {
                "api_url": pagerduty.api_url,
                "api_key": pagerduty.api_key,
                "from_email": BOT_EMAIL,
                "ca_file": pagerduty.ca_file,
            },
            "priorities": priorities,
            "incident_types": incident_types,
            # the CLI checks the file alone, so what the signals name comes along (as the sandbox's)
            "alert_sources": [{"name": ALERT_SOURCE, "format": "auto", "token": ALERT_TOKEN}],
            "services": [
                {"name": PAGERDUTY_SERVICE[1], "provider": "pagerduty", "external_id": PAGERDUTY_SERVICE[0]},
                {"name": OPSGENIE_SCHEDULE[1], "provider": "opsgenie", "external_id": OPSGENIE_SCHEDULE[0]},
            ],
            "role_policies": [
                {"role": "commander", "oncall_service": PAGERDUTY_SERVICE[1], "priorities": ["High"]}
            ],
            "signals": [*signals, *quiet],
        },
    )


# --------------------------------------------------------------------------------- the people acting


@dataclass
class People:
    """The running sandbox, used by alice, bob and carol through the page's HTTP API."""

    running: Sandbox
    ids: dict[str, str]
    google: FakeGoogle
    pagerduty: FakePagerDuty
    channels: dict[str, str] = field(default_factory=dict)
    """Names to ids: ``general``, ``incident``, ... and ``dm`` (each person's own DM with the app)."""

    async def channel(self, who: str, name: str) -> str:
        """The id of channel ``name`` (or of ``who``'s DM with the app, ``dm``) once ``who`` sees it."""
        if name == "dm":
            return await self._dm(who)
        if name not in self.channels:

            async def listed() -> str | None:
                return await channel_named(self.running, self.ids[who], name)

            self.channels[name] = await eventually_value(listed, what=f"#{name}", within=WAIT)
        return self.channels[name]

    async def channel_ending(self, who: str, suffix: str) -> str:
        """The id of the channel whose name ends with ``suffix`` (``-fire-drill``), once ``who`` sees it."""

        async def listed() -> str | None:
            nav = await self.running.fragment("/api/sidebar", **{"as": self.ids[who]})
            return next(
                (str(a.get("data-channel")) for a in nav.iterfind(".//a") if text_of(a).endswith(suffix)),
                None,
            )

        return await eventually_value(listed, what=f"#…{suffix}", within=WAIT)

    async def _dm(self, who: str) -> str:
        nav = await self.running.fragment("/api/sidebar", **{"as": self.ids[who]})
        return next(
            str(a.get("data-channel"))
            for a in nav.iterfind(".//a[@data-channel]")
            if not text_of(a).startswith("# ")
        )

    async def messages(self, who: str, name: str) -> list[Element]:
        """What ``who`` sees in the channel (their ephemerals too), oldest first."""
        page = await self.running.fragment(
            f"/api/channel/{await self.channel(who, name)}", **{"as": self.ids[who]}
        )
        return [m for m in page.iterfind(".//li") if "message" in (m.get("class") or "")]

    async def sees(self, who: str, name: str, text: str) -> str:
        """The newest message in the channel holding ``text``, once there; never an error."""

        async def found() -> str | None:
            shown = [text_of(m) for m in await self.messages(who, name)]
            return next((m for m in reversed(shown) if text in m), None)

        seen = await eventually_value(found, what=f"{text!r} in {name} for {who}", within=WAIT)
        assert not FAILURES.search(seen), seen
        return seen

    async def button(self, who: str, name: str, label: str, holding: str = "") -> Target:
        """The button (or select) ``label`` in the newest message holding ``holding`` that has one."""

        async def found() -> Target | None:
            for message in reversed(await self.messages(who, name)):
                if holding in text_of(message):
                    control = _control(message, label)
                    if control is not None:
                        return Target(message, control)
            return None

        return await eventually_value(found, what=f"{label!r} in {name} for {who}", within=WAIT)

    async def dialog(self, who: str) -> Element | None:
        modal: Element = await self.running.fragment("/api/modal", **{"as": self.ids[who]})
        return modal.find(".//div[@role='dialog']")

    async def modal_titled(self, who: str, title: str) -> Element:
        """``who``'s open modal once its title is ``title``; never an error."""
        seen = [""]

        async def found() -> Element | None:
            dialog = await self.dialog(who)
            seen.append("" if dialog is None else _title(dialog))
            return dialog if dialog is not None and seen[-1] == title else None

        try:
            dialog = await eventually_value(found, what=f"the modal {title!r} for {who}", within=WAIT)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the modal open: {seen[-1]!r}") from None
        assert not FAILURES.search(text_of(dialog)), text_of(dialog)
        return dialog

    async def modal_button(self, who: str, label: str) -> Target:
        async def found() -> Target | None:
            dialog = await self.dialog(who)
            control = None if dialog is None else _control(dialog, label)
            return None if dialog is None or control is None else Target(dialog, control)

        return await eventually_value(found, what=f"{label!r} in {who}'s modal", within=WAIT)

    async def click(self, who: str, target: Target, option: str = "") -> None:
        """What the page sends for a click on a button (or a choice in a select), as ``who``."""
        body = target.action() | ({"option": option} if option else {})
        await self.running.post("/api/action", **{"as": self.ids[who]} | body)

    async def close_modals(self, who: str) -> None:
        while (open_view := await self.dialog(who)) is not None:
            await self.running.post(
                "/api/close", **{"as": self.ids[who], "view_id": open_view.get("data-view-id")}
            )

    async def command(self, who: str, name: str, command: Command, argument: str = "") -> None:
        text = f"{name_of(command)} {argument}".strip()
        channel = await self.channel(who, name)
        await self.running.post("/api/send", **{"as": self.ids[who], "channel": channel, "text": text})

    async def fill(self, who: str, name: str, command: Command, values: dict[str, str]) -> None:
        await self.close_modals(who)
        await fill_modal(self.running, self.ids[who], name_of(command), await self.channel(who, name), values)


@dataclass(frozen=True)
class Target:
    """A control in a rendered fragment and the element around it."""

    around: Element
    control: Element

    def action(self) -> dict[str, Any]:
        """As static/app.js's actionTarget(): the closest ``data-container`` element says where."""
        where = _container(self.around, self.control)
        target: dict[str, Any] = {
            "container": where.get("data-container"),
            "channel": where.get("data-channel"),
            "ts": where.get("data-ts"),
            "view_id": where.get("data-view-id"),
            "block_id": self.control.get("data-block-id"),
            "action_id": self.control.get("data-action-id"),
        }
        if target["container"] == "view":
            target["values"] = {}  # the buttons clicked in views sit in views without inputs
        return {key: value for key, value in target.items() if value is not None}


def _control(root: Element, label: str) -> Element | None:
    """A clickable ``button[data-action-id]`` with this text (not a modal input's), or a message's
    ``select[data-action-id]`` named ``label``, as app.js's click and change handlers take them."""
    inputs = {c for box in root.iterfind(".//div[@class='b-input']") for c in box.iter()}
    for control in root.iterfind(".//*[@data-action-id]"):
        if control in inputs:
            continue
        if control.tag == "button" and text_of(control) == label:
            return control
        if control.tag == "select" and control.get("aria-label") == label:
            return control
    return None


def _container(root: Element, control: Element) -> Element:
    parents = {child: parent for parent in root.iter() for child in parent}
    holder: Element | None = control
    while holder is not None and holder.get("data-container") is None:
        holder = parents.get(holder)
    assert holder is not None, f"no data-container around {control.attrib}"
    return holder


def _title(dialog: Element) -> str:
    heading = dialog.find(".//h2")
    return "" if heading is None else text_of(heading)


def _option(select: Element, label: str) -> str:
    return next(str(o.get("value")) for o in select.iterfind(".//option") if text_of(o) == label)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[People]:
    tmp_path: Path = tmp_path_factory.mktemp("sandbox")
    settings = tmp_path / "buttons.toml"
    async with AsyncExitStack() as stack:
        google, pagerduty = FakeGoogle(), FakePagerDuty()
        for fake in (google, pagerduty):
            await fake.start()
            stack.push_async_callback(fake.stop)
        google.add_template(DOCUMENT_TEMPLATE, "Incident document template", "{{name}}: {{title}}")
        pagerduty.add_service(*PAGERDUTY_SERVICE, oncall=[(p.email, p.real_name) for p in PEOPLE])
        settings.write_text(config(google, pagerduty, tmp_path), encoding="utf-8")
        running, _ = await stack.enter_async_context(sandbox(tmp_path, "--config", str(settings)))
        ids = {name: await person(running, name) for name in ("alice", "bob", "carol")}
        space = People(running, ids, google, pagerduty)
        await space.fill("alice", "general", Command.REPORT_INCIDENT, {"Title": "DB latency"})
        space.channels["incident"] = await space.channel("alice", "inc-1-db-latency")
        await space.close_modals("alice")
        yield space


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def never_an_error(people: People) -> AsyncIterator[None]:
    """After each test, nothing alice sees anywhere (nor bob and carol in their DMs) says that
    something went wrong."""
    yield
    seen = [(name, "alice") for name in people.channels] + [("dm", who) for who in people.ids]
    for name, who in seen:
        for message in await people.messages(who, name):
            assert not FAILURES.search(text_of(message)), f"{who} in {name}: {text_of(message)}"
    dialog = await people.dialog("alice")
    assert dialog is None or not FAILURES.search(text_of(dialog)), text_of(dialog)


# ------------------------------------------------------------------------------------------- the tests


async def test_every_element_is_clicked_or_said_unreachable() -> None:
    assert not COVERED & set(NOT_REACHABLE)
    assert COVERED | set(NOT_REACHABLE) == set(ActionId) | {BlockId.WORKFLOW}


INCIDENT = "DB latency"
DISK = "Disk 95% on db1"
CASE = "Checkout 5xx"


async def labels(people: People, who: str, name: str, holding: str) -> set[str]:
    """The texts of the buttons in the newest message of the channel holding ``holding``."""
    for message in reversed(await people.messages(who, name)):
        if holding in text_of(message):
            return {text_of(b) for b in message.iterfind(".//button[@data-action-id]")}
    return set()


async def until_labels(people: People, who: str, name: str, holding: str, has: str, lacks: str) -> None:
    """Wait until that message has a button ``has`` and none ``lacks`` (the bot redrew it)."""

    async def redrawn() -> bool | None:
        shown = await labels(people, who, name, holding)
        return True if has in shown and lacks not in shown else None

    await eventually_value(redrawn, what=f"{holding!r} with {has!r}, without {lacks!r}", within=WAIT)


async def there_and_back(
    people: People, name: str, holding: str, go: tuple[str, ActionId], back: tuple[str, ActionId]
) -> None:
    """As alice, click the button ``go`` of the message holding ``holding``, see the message offer
    ``back`` instead, click that, and see ``go`` offered again."""
    for (label, action), (then, _) in ((go, back), (back, go)):
        target = await people.button("alice", name, label, holding)
        assert target.control.get("data-action-id") == action
        await people.click("alice", target)
        await until_labels(people, "alice", name, holding, then, label)


async def opens(people: People, who: str, target: Target, title: str, action: ActionId) -> None:
    """Click ``target`` (checking it is ``action``) and see the modal ``title`` open; then close it."""
    assert target.control.get("data-action-id") == action
    await people.close_modals(who)
    await people.click(who, target)
    await people.modal_titled(who, title)
    await people.close_modals(who)


async def alert(people: People, sample: str) -> None:
    """Send a sample alert as the alerts panel does."""
    sent = await answer(people.running, "/api/panels/alert", **{"as": people.ids["alice"], "sample": sample})
    assert sent["status"] == 202, sent


@clicks(ActionId.OPEN_REPORT)
async def test_app_home_opens_the_report_form(people: People) -> None:
    alice = people.ids["alice"]
    await people.running.post("/api/home", **{"as": alice})

    async def shown() -> Target | None:
        home = await people.running.fragment("/api/home", **{"as": alice})
        control = _control(home, "Report an incident")
        return None if control is None else Target(home, control)

    target = await eventually_value(shown, what="Report an incident on Home", within=WAIT)
    await opens(people, "alice", target, "Report Incident", ActionId.OPEN_REPORT)


@clicks(ActionId.JOIN_INCIDENT)
async def test_bob_joins_from_the_announcement_in_incidents(people: People) -> None:
    target = await people.button("bob", "incidents", "Join", INCIDENT)
    assert target.control.get("data-action-id") == ActionId.JOIN_INCIDENT
    await people.click("bob", target)
    channel = await people.channel("bob", "inc-1-db-latency")

    async def member() -> bool | None:
        page = await people.running.fragment(f"/api/channel/{channel}", **{"as": people.ids["bob"]})
        return True if page.find(".//form[@class='composer']") is not None else None

    await eventually_value(member, what="bob in the incident channel", within=WAIT)


async def test_bob_may_not_update_the_incident_from_its_header(people: People) -> None:
    """The update form is the commander's (or scribe's): bob, a participant now, is told so."""
    await people.channel("bob", "inc-1-db-latency")
    target = await people.button("bob", "incident", "Update incident", INCIDENT)
    await people.click("bob", target)
    await people.sees("bob", "incident", "Only the incident commander")
    assert await people.dialog("bob") is None


@clicks(ActionId.SUBSCRIBE)
async def test_carol_subscribes_from_the_announcement(people: People) -> None:
    target = await people.button("carol", "incidents", "Subscribe", INCIDENT)
    assert target.control.get("data-action-id") == ActionId.SUBSCRIBE
    await people.click("carol", target)
    await people.sees("carol", "incidents", "You will get a DM for every update of INC-1")


@clicks(ActionId.OPEN_TIMELINE, ActionId.TIMELINE_NEXT, ActionId.TIMELINE_PREVIOUS)
async def test_the_timeline_opens_and_pages(people: People) -> None:
    for n in range(5):  # five a page (the config): these and the incident's own events make two pages
        await people.fill(
            "alice",
            "incident",
            Command.ADD_TIMELINE_EVENT,
            {"Description": f"Step {n}", "Date": "2026-01-02", "Time": f"10:0{n}"},
        )
        await people.sees("alice", "incident", f"Step {n}")
    await people.close_modals("alice")
    target = await people.button("alice", "incident", "Timeline", INCIDENT)
    assert target.control.get("data-action-id") == ActionId.OPEN_TIMELINE
    await people.click("alice", target)
    await people.modal_titled("alice", "INC-1 timeline")  # on its last page, the newest events
    back = await people.modal_button("alice", "Previous")
    assert back.control.get("data-action-id") == ActionId.TIMELINE_PREVIOUS
    await people.click("alice", back)
    following = await people.modal_button("alice", "Next")
    assert following.control.get("data-action-id") == ActionId.TIMELINE_NEXT
    await people.click("alice", following)

    async def last_page() -> bool | None:
        dialog = await people.dialog("alice")
        return True if dialog is not None and _control(dialog, "Next") is None else None

    await eventually_value(last_page, what="the timeline's last page again", within=WAIT)
    await people.close_modals("alice")


@clicks(ActionId.RESOLVE_TASK, ActionId.REOPEN_TASK)
async def test_a_task_is_resolved_and_reopened(people: People) -> None:
    task = "Check the replicas"
    values = {"Description": task, "Assignees": people.ids["alice"]}
    await people.fill("alice", "incident", Command.CREATE_TASK, values)
    await people.close_modals("alice")
    resolve, reopen = ("Resolve", ActionId.RESOLVE_TASK), ("Re-open", ActionId.REOPEN_TASK)
    await there_and_back(people, "incident", task, resolve, reopen)


@clicks(BlockId.WORKFLOW)
async def test_choosing_a_workflow_shows_its_inputs(people: People) -> None:
    await people.close_modals("alice")
    await people.command("alice", "incident", Command.RUN_WORKFLOW)
    dialog = await people.modal_titled("alice", "Run a workflow")
    select = next(c for c in dialog.iterfind(".//select[@data-action-id]"))
    assert (select.get("data-block-id"), select.get("data-action-id")) == (BlockId.WORKFLOW, BlockId.WORKFLOW)
    choice = _option(select, "Roll back")
    await people.running.post(
        "/api/action",
        **{
            "as": people.ids["alice"],
            "container": "view",
            "view_id": dialog.get("data-view-id"),
            "block_id": BlockId.WORKFLOW,
            "action_id": BlockId.WORKFLOW,
            "values": {BlockId.WORKFLOW: {BlockId.WORKFLOW: choice}},
            "dispatch": True,
        },
    )

    async def redrawn() -> bool | None:
        shown = await people.dialog("alice")
        labelled = set() if shown is None else {text_of(label) for label in shown.iterfind(".//label")}
        return True if any(label.startswith("reason") for label in labelled) else None

    await eventually_value(redrawn, what="the Roll back workflow's inputs", within=WAIT)
    await people.close_modals("alice")


@clicks(ActionId.WRITE_REPORT, ActionId.SNOOZE_REPORT_REMINDER)
async def test_a_report_reminder_opens_the_report_and_snoozes(people: People) -> None:
    await people.fill(
        "alice", "general", Command.REPORT_INCIDENT, {"Title": "Slow logins", "Priority": "Low"}
    )
    await people.close_modals("alice")
    people.channels["low"] = await people.channel("alice", "inc-2-slow-logins")
    write = await people.button("alice", "dm", "Write report", "Slow logins")
    await opens(people, "alice", write, "Tactical Report", ActionId.WRITE_REPORT)
    snooze = await people.button("alice", "dm", "Remind me again in…", "Slow logins")
    assert snooze.control.get("data-action-id") == ActionId.SNOOZE_REPORT_REMINDER
    await people.click("alice", snooze, _option(snooze.control, "30 minutes"))
    await people.sees("alice", "dm", "I'll remind you again in 30 minutes")


@clicks(ActionId.CLOSE_INCIDENT, ActionId.PROVIDE_FEEDBACK)
async def test_a_close_reminder_closes_and_feedback_is_asked(people: People) -> None:
    await people.fill("alice", "low", Command.UPDATE_INCIDENT, {"Status": "Stable"})
    await people.close_modals("alice")
    close = await people.button("alice", "dm", "Close", "Slow logins")
    assert close.control.get("data-action-id") == ActionId.CLOSE_INCIDENT
    await people.click("alice", close)
    await people.sees("alice", "dm", "INC-2 was closed by")  # the reminder, redrawn
    feedback = await people.button("alice", "dm", "Provide feedback", "Slow logins")
    await opens(people, "alice", feedback, "Incident Feedback", ActionId.PROVIDE_FEEDBACK)


@clicks(ActionId.ACKNOWLEDGE_ALERT, ActionId.CANCEL_ALERT_ACK)
async def test_an_alert_is_acknowledged_and_that_cancelled(people: People) -> None:
    await alert(people, "alertmanager-firing")
    acknowledge = ("Acknowledge", ActionId.ACKNOWLEDGE_ALERT)
    await there_and_back(
        people, "alerts", DISK, acknowledge, ("Cancel acknowledgement", ActionId.CANCEL_ALERT_ACK)
    )


@clicks(ActionId.ALERT_PROMPT_YES, ActionId.ALERT_PROMPT_NO)
@pytest.mark.parametrize(("label", "said"), [("Yes, me", "Thanks"), ("No", "Security has been paged")])
async def test_a_self_service_prompt_is_answered(people: People, label: str, said: str) -> None:
    await alert(people, "mapbox-self-service")
    target = await people.button("alice", "dm", label, "Did you do this?")
    action = ActionId.ALERT_PROMPT_YES if label == "Yes, me" else ActionId.ALERT_PROMPT_NO
    assert target.control.get("data-action-id") == action
    await people.click("alice", target)
    await people.sees("alice", "dm", said)


@clicks(ActionId.TRIAGE_CASE)
async def test_a_case_is_triaged(people: People) -> None:
    await alert(people, "generic")
    target = await people.button("alice", "alerts", "Triage", CASE)
    assert target.control.get("data-action-id") == ActionId.TRIAGE_CASE
    await people.click("alice", target)
    await until_labels(people, "alice", "alerts", CASE, "Resolve", "Triage")


@dataclass(frozen=True)
class Form:
    """A button that opens a modal: where alice finds it, in the message holding what, and the title."""

    channel: str
    label: str
    holding: str
    title: str


FORMS: dict[ActionId, Form] = {
    ActionId.OPEN_UPDATE: Form("incident", "Update incident", INCIDENT, "Update Incident"),
    ActionId.OPEN_ASSIGN_ROLE: Form("incident", "Assign role", INCIDENT, "Assign Role"),
    ActionId.DECLARE_FROM_ALERT: Form("alerts", "Declare incident", DISK, "Report Incident"),
    ActionId.OPEN_EDIT_CASE: Form("alerts", "Edit", CASE, "Edit case"),
    ActionId.OPEN_SNOOZE_CASE: Form("alerts", "Snooze", CASE, "Snooze signal"),
    ActionId.ESCALATE_CASE: Form("alerts", "Escalate", CASE, "Report Incident"),
    # the checkout case's signal asks the alert's owner (alice, by the sample's `owner` label)
    ActionId.CONFIRM_ENGAGEMENT: Form("dm", "Confirm", CASE, "Confirm"),
    ActionId.DENY_ENGAGEMENT: Form("dm", "Deny", CASE, "Deny"),
}
"""After the alert and the case above: the incident's header, the alert's and the case's messages."""


@clicks(*FORMS)
@pytest.mark.parametrize("action", list(FORMS), ids=str)
async def test_the_button_opens_its_form(people: People, action: ActionId) -> None:
    form = FORMS[action]
    target = await people.button("alice", form.channel, form.label, form.holding)
    await opens(people, "alice", target, form.title, action)


@clicks(ActionId.OPEN_RESOLVE_CASE, ActionId.REOPEN_CASE)
async def test_a_case_is_resolved_and_reopened(people: People) -> None:
    target = await people.button("alice", "alerts", "Resolve", CASE)
    assert target.control.get("data-action-id") == ActionId.OPEN_RESOLVE_CASE
    await people.close_modals("alice")
    await people.click("alice", target)
    dialog = await people.modal_titled("alice", "Resolve case")
    values = {BlockId.REASON: {BlockId.REASON: "Benign"}, BlockId.RESOLUTION: {BlockId.RESOLUTION: "a drill"}}
    await people.running.post(
        "/api/submit", **{"as": people.ids["alice"], "view_id": dialog.get("data-view-id"), "values": values}
    )
    await until_labels(people, "alice", "alerts", CASE, "Re-open", "Resolve")
    reopen = await people.button("alice", "alerts", "Re-open", CASE)
    assert reopen.control.get("data-action-id") == ActionId.REOPEN_CASE
    await people.click("alice", reopen)
    await until_labels(people, "alice", "alerts", CASE, "Resolve", "Re-open")


@clicks(ActionId.CREATE_CASE_CHANNEL)
async def test_a_case_moves_to_its_own_channel(people: People) -> None:
    target = await people.button("alice", "alerts", "Create channel", CASE)
    assert target.control.get("data-action-id") == ActionId.CREATE_CASE_CHANNEL
    assert target.control.get("aria-haspopup") == "dialog"  # the page asks first; this is its "yes"
    await people.click("alice", target)

    async def moved() -> str | None:
        nav = await people.running.fragment("/api/sidebar", **{"as": people.ids["alice"]})
        return next((text_of(a) for a in nav.iterfind(".//a") if text_of(a).startswith("# case-")), None)

    await eventually_value(moved, what="the case's own channel", within=WAIT)


@clicks(ActionId.OPEN_SNOOZE_SIGNAL, ActionId.SIGNALS_PAGE)
async def test_the_signal_list_pages_and_opens_a_snooze(people: People) -> None:
    await people.command("alice", "alerts", Command.LIST_SIGNALS)
    following = await people.button("alice", "alerts", "Next", "Page 1 of 2")
    assert following.control.get("data-action-id") == ActionId.SIGNALS_PAGE
    await people.click("alice", following)
    back = await people.button("alice", "alerts", "Previous", "Page 2 of 2")
    await people.click("alice", back)
    snooze = await people.button("alice", "alerts", "Snooze", "Page 1 of 2")
    await opens(people, "alice", snooze, "Snooze signal", ActionId.OPEN_SNOOZE_SIGNAL)


@clicks(ActionId.RETRY_RESOURCE)
async def test_a_document_google_refused_is_made_on_retry(people: People) -> None:
    """The Drill type's template is not on the drive yet: the header says so and offers Retry, which
    makes the document once the template is there."""
    await people.fill("alice", "general", Command.REPORT_INCIDENT, {"Title": "Fire drill", "Type": "Drill"})
    await people.close_modals("alice")
    people.channels["drill"] = await people.channel_ending("alice", "-fire-drill")
    retry = await people.button("alice", "drill", "Retry incident document", "could not be made yet")
    assert retry.control.get("data-action-id") == ActionId.RETRY_RESOURCE
    people.google.add_template(LATE_TEMPLATE, "Drill template", "{{name}}: {{title}}")
    await people.click("alice", retry)

    async def made() -> bool | None:
        shown = await people.messages("alice", "drill")
        retries = [b for m in shown for b in m.iterfind(".//button") if text_of(b).startswith("Retry")]
        linked = any(text_of(a) == "Incident document" for m in shown for a in m.iterfind(".//a"))
        return True if linked and not retries else None

    await eventually_value(made, what="the incident document linked, no Retry", within=WAIT)


@clicks(ActionId.RETRY_FLOW_RUN)
async def test_a_page_pagerduty_refused_is_sent_on_retry(people: People) -> None:
    """PagerDuty refuses pages through both tries of the run (the config's), so alice gets a Retry in
    a DM; PagerDuty back, the retry pages."""
    people.pagerduty.down(method="POST", path="/incidents")
    await people.close_modals("alice")
    await people.command("alice", "incident", Command.ENGAGE_ONCALL)
    dialog = await people.modal_titled("alice", "Engage On-call")
    service = next(c for c in dialog.iterfind(f".//select[@data-block-id='{BlockId.SERVICE}']"))
    page = next(c for c in dialog.iterfind(f".//*[@data-block-id='{BlockId.PAGE}']//input"))
    values = {
        BlockId.SERVICE: {BlockId.SERVICE: _option(service, PAGERDUTY_SERVICE[1])},
        BlockId.PAGE: {BlockId.PAGE: [page.get("value")]},
    }
    await people.running.post(
        "/api/submit", **{"as": people.ids["alice"], "view_id": dialog.get("data-view-id"), "values": values}
    )
    retry = await people.button("alice", "dm", "Retry", "could not be finished")
    assert retry.control.get("data-action-id") == ActionId.RETRY_FLOW_RUN
    people.pagerduty.up()
    await people.click("alice", retry)
    await people.sees("alice", "dm", "Retrying")
    await eventually(lambda: bool(people.pagerduty.incidents), what="the page at PagerDuty", within=WAIT)
    await people.close_modals("alice")
