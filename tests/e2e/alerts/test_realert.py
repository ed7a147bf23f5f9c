"""Cabot's alert semantics end to end (issue 10 item 4, C3 to C8), on a hand-set clock: the re-alert
tick is called at chosen moments instead of waiting for intervals, and each test reads what reached the
fake Slack (the alert's one top-level message and its thread)."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatchbot.alerting.model import Alert
from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack, Message, User
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.alerts.support import CHANNEL, TOKEN, alert_settings, delivered, post, replies, top_level
from tests.support import oncall
from tests.support.bot import running_bot
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

pd = oncall.pd
olivia = oncall.olivia

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
REALERT = 600.0
"""`[alerts] realert_interval_seconds`'s default: critical and error (C3)."""
NOTIFICATION = 7200.0
"""`[alerts] notification_interval_seconds`'s default: warning and info (C4)."""
KEY = "checkout-5xx"
_samples = itertools.count(1)


@dataclass
class Desk:
    """A bot on a hand-set clock whose one signal routes every alert to #alerts, and that channel."""

    running: Running
    slack: FakeSlack
    channel: Channel
    clock: ManualClock

    async def send(self, source: str, body: dict[str, Any]) -> str:
        """POST `body` as `source`; the action the 202 reports, once delivery has caught up."""
        status, answer = await post(self.running, source, body)
        assert status == 202, answer
        await self.delivered()
        return str(answer["alerts"][0]["action"])

    async def fire(self, severity: str = "critical", *, status: str = "firing") -> str:
        """A generic-format alert `KEY`; each body differs (a new sample), so none is a sender's retry."""
        body = {
            "title": "Checkout 5xx > 2%",
            "status": status,
            "deduplication_key": KEY,
            "severity": severity,
            "description": f"sample {next(_samples)}",
        }
        return await self.send("generic", body)

    async def resolve(self) -> str:
        return await self.fire(status="resolved")

    async def tick(self, seconds: float) -> int:
        """Move the clock on by `seconds`, run the re-alert tick then, and wait for delivery; how many
        alerts re-alerted."""
        due = await self.running.deps.alerts.realert_tick(self.clock.advance(seconds=seconds))
        await self.delivered()
        return due

    async def delivered(self) -> None:
        await delivered(self.running)

    async def alert(self) -> Alert:
        return (await self.running.deps.alerts.find("generic", KEY))[0]

    def message(self, index: int = -1) -> Message:
        return top_level(self.slack, self.channel.id)[index]

    def thread(self, index: int = -1) -> list[Message]:
        return replies(self.slack, self.message(index))


OpenDesk = Callable[..., Awaitable[Desk]]


@pytest.fixture
async def open_desk(slack: FakeSlack, database_url: str) -> AsyncIterator[OpenDesk]:
    """Start a `Desk`: `signal` keys are laid over the signal's (name, channel), other keywords are
    settings sections as `alert_settings` takes them."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_(*, signal: dict[str, Any] | None = None, **sections: Any) -> Desk:
            channel = slack.add_channel(CHANNEL, members=[slack.bot_user_id])
            signals = [{"name": "Checkout", "channel": f"#{CHANNEL}", **(signal or {})}]
            settings = alert_settings(slack, database_url, signals=signals, **sections)
            clock = ManualClock(START)
            running = await stack.enter_async_context(running_bot(slack, settings, clock))
            return Desk(running, slack, channel, clock)

        yield open_


@pytest.fixture
def bob(slack: FakeSlack) -> User:
    return slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")


@pytest.fixture
def carol(slack: FakeSlack) -> User:
    return slack.add_user("carol", real_name="Carol Chen", email="carol@example.com")


def with_oncall(pd: FakePagerDuty) -> dict[str, Any]:
    """Settings sections for a bot whose Database service is at PagerDuty (Olivia on call)."""
    return {"pagerduty": pd.settings(), "services": [oncall.DATABASE]}


def mentions(message: Message) -> list[str]:
    """Who `message` mentions, in its text and its blocks."""
    shown = message.text + json.dumps(message.blocks)
    return sorted(set(part.split(">")[0] for part in shown.split("<@")[1:]))


def buttons(message: Message) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


@pytest.mark.parametrize("severity", ["critical", "error"])
async def test_critical_and_error_realert_every_realert_interval_mentioning_users_and_oncall(
    open_desk: OpenDesk, pd: FakePagerDuty, alice: User, olivia: User, severity: str
) -> None:
    """C3: a firing critical/error alert re-alerts after `realert_interval_seconds`, never before, as a
    thread reply. C9: it mentions the signal's users and its service's on-call (PagerDuty's Olivia)."""
    desk = await open_desk(signal={"users": [alice.id], "oncall_service": "Database"}, **with_oncall(pd))
    assert await desk.fire(severity) == "created"
    assert desk.thread() == []
    assert await desk.tick(REALERT - 1) == 0
    assert desk.thread() == []

    assert await desk.tick(1) == 1
    [realert] = desk.thread()
    assert "Still firing" in realert.text
    assert mentions(realert) == sorted([alice.id, olivia.id])

    assert await desk.tick(REALERT - 1) == 0
    assert await desk.tick(1) == 1
    assert len(desk.thread()) == 2
    assert len(top_level(desk.slack, desk.channel.id)) == 1


async def test_without_an_oncall_service_the_fallback_users_are_the_duty_officers(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    """C9: a signal without an on-call service has `[alerts] fallback_users` as its duty officers."""
    bruno = oncall.add_person(slack, oncall.BRUNO)
    desk = await open_desk(alerts={"fallback_users": [oncall.BRUNO[0]]})
    await desk.fire("error")
    assert await desk.tick(REALERT) == 1
    [realert] = desk.thread()
    assert mentions(realert) == [bruno.id]


@pytest.mark.parametrize("severity", ["warning", "info"])
async def test_warning_and_info_realert_only_after_the_notification_interval(
    open_desk: OpenDesk, alice: User, severity: str
) -> None:
    """C4: warning/info wait for `notification_interval_seconds` (not the re-alert interval)."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire(severity)
    assert await desk.tick(REALERT) == 0
    assert await desk.tick(NOTIFICATION - REALERT - 1) == 0
    assert desk.thread() == []
    assert await desk.tick(1) == 1
    [realert] = desk.thread()
    assert mentions(realert) == [alice.id]


async def test_a_worse_severity_realerts_at_once_and_a_better_one_does_not(
    open_desk: OpenDesk, alice: User
) -> None:
    """C5: warning → error → critical each re-alert at once (no tick), mentioning the users; critical →
    warning does not, it only shows on the message."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire("warning")
    assert await desk.fire("error") == "updated"
    [rose] = desk.thread()
    assert "Severity rose to *error*" in rose.text
    assert mentions(rose) == [alice.id]
    assert await desk.fire("critical") == "updated"
    assert "Severity rose to *critical*" in desk.thread()[-1].text

    assert await desk.fire("warning") == "updated"
    assert len(desk.thread()) == 2
    assert "Warning" in json.dumps(desk.message().blocks)
    assert len(top_level(desk.slack, desk.channel.id)) == 1


async def test_repeats_only_bump_the_count(open_desk: OpenDesk, slack: FakeSlack) -> None:
    """Item 4: repeats of a firing alert edit its message's count; no new message, no reply."""
    desk = await open_desk()
    assert [await desk.fire() for _ in range(3)] == ["created", "updated", "updated"]
    assert len(top_level(slack, desk.channel.id)) == 1
    assert desk.thread() == []
    message = desk.message()
    assert message.edited is not None
    assert "3 times" in json.dumps(message.blocks)
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_recovery_replies_once_and_a_later_firing_is_a_new_alert(
    open_desk: OpenDesk, slack: FakeSlack, alice: User
) -> None:
    """C6: recovery posts exactly one reply, marks the message recovered without buttons (a stale
    Acknowledge is refused), and stops re-alerts; a firing after it is a new alert with a new
    top-level message, not a reply in the old thread."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire()
    while_firing = copy.deepcopy(desk.message())
    assert await desk.resolve() == "resolved"
    [recovered] = desk.thread()
    assert "Recovered" in recovered.text
    message = desk.message()
    assert message.text.endswith("(recovered)")
    assert buttons(message) == []
    await slack.as_user(alice).click(while_firing, "Acknowledge")
    await eventually(
        lambda: any("no longer firing" in e.text for e in slack.ephemerals(user=alice.id)),
        what="the refusal to acknowledge a recovered alert",
    )

    assert await desk.resolve() == "deduplicated"
    assert await desk.tick(REALERT) == 0
    assert await desk.tick(NOTIFICATION) == 0
    assert len(desk.thread()) == 1

    assert await desk.fire() == "created"
    first, second = top_level(slack, desk.channel.id)
    assert len(replies(slack, first)) == 1
    assert replies(slack, second) == []
    assert buttons(second)[0] == "Acknowledge"
    assert [alert.state.value for alert in await desk.running.deps.alerts.find("generic", KEY)] == [
        "firing",
        "resolved",
    ]


async def test_recovery_resolves_the_page_raised_for_the_alert(
    open_desk: OpenDesk, pd: FakePagerDuty, olivia: User
) -> None:
    """C6 with paging: an alert sent to Slack and on-call pages once (re-alerts do not page again) and
    its recovery resolves that page; a firing after recovery is a new alert, so a new page."""
    signal = {"oncall_service": "Database", "alert_channels": ["slack", "oncall"]}
    desk = await open_desk(signal=signal, **with_oncall(pd))
    await desk.fire()
    assert await desk.tick(REALERT) == 1
    [page] = pd.incidents
    assert page.service_id == oncall.DATABASE.external_id
    assert page.status == "triggered"
    await desk.resolve()
    assert page.status == "resolved"
    await desk.fire()
    assert [incident.status for incident in pd.incidents] == ["resolved", "triggered"]


async def test_acknowledged_realerts_are_quiet_until_the_acknowledgement_expires(
    open_desk: OpenDesk, slack: FakeSlack, alice: User, bob: User
) -> None:
    """C7: Acknowledge replies in the thread; re-alerts become quiet updates mentioning nobody until
    `ack_expiry_seconds` (1200) pass; then full re-alerts with mentions resume."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire()
    assert (await slack.as_user(bob).click(desk.message(), "Acknowledge")).ok
    await desk.delivered()
    [acknowledged] = desk.thread()
    assert f"<@{bob.id}> acknowledged" in acknowledged.text
    assert buttons(desk.message())[0] == "Cancel acknowledgement"

    assert await desk.tick(REALERT) == 1
    quiet = desk.thread()[-1]
    assert "nobody was notified" in quiet.text
    assert mentions(quiet) == []

    assert await desk.tick(REALERT) == 1  # 1200 s after the acknowledgement: it has expired
    full = desk.thread()[-1]
    assert "Still firing" in full.text
    assert mentions(full) == [alice.id]
    assert buttons(desk.message())[0] == "Acknowledge"
    alert = await desk.alert()
    assert alert.acknowledgement is None
    expired = (await desk.running.deps.alerts.audit_trail(alert.id))[-1]
    assert (expired.at - START, expired.actor, expired.action) == (
        timedelta(seconds=2 * REALERT),
        "dispatchbot",
        "acknowledgement_expired",
    )


async def test_a_worse_severity_while_acknowledged_is_a_quiet_update(
    open_desk: OpenDesk, slack: FakeSlack, alice: User, bob: User
) -> None:
    """C5 within C7: warning → critical while acknowledged updates the thread at once, mentioning
    nobody."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire("warning")
    await slack.as_user(bob).click(desk.message(), "Acknowledge")
    await desk.delivered()
    assert await desk.fire("critical") == "updated"
    _acknowledged, quiet = desk.thread()
    assert "nobody was notified" in quiet.text
    assert mentions(quiet) == []


async def test_a_second_acknowledgement_is_refused_and_cancelling_restores_full_realerts(
    open_desk: OpenDesk, slack: FakeSlack, alice: User, bob: User, carol: User
) -> None:
    """C8: one live acknowledgement at a time: Carol's Acknowledge (on the message as her client still
    shows it) is refused to her alone and changes nothing; Cancel acknowledgement brings back full
    re-alerts with mentions."""
    desk = await open_desk(signal={"users": [alice.id]})
    await desk.fire()
    as_carol_sees_it = copy.deepcopy(desk.message())
    await slack.as_user(bob).click(desk.message(), "Acknowledge")
    await desk.delivered()

    await slack.as_user(carol).click(as_carol_sees_it, "Acknowledge")
    await eventually(
        lambda: any("Already acknowledged by" in e.text for e in slack.ephemerals(user=carol.id)),
        what="Carol's refusal",
    )
    await desk.delivered()
    assert len(desk.thread()) == 1
    ack = (await desk.alert()).acknowledgement
    assert ack is not None
    assert ack.by == bob.id

    await slack.as_user(carol).click(desk.message(), "Cancel acknowledgement")
    await desk.delivered()
    assert "cancelled the acknowledgement" in desk.thread()[-1].text
    assert buttons(desk.message())[0] == "Acknowledge"
    assert await desk.tick(REALERT) == 1
    assert mentions(desk.thread()[-1]) == [alice.id]


async def test_a_pagerduty_acknowledge_event_acknowledges(open_desk: OpenDesk, alice: User) -> None:
    """C7 from the source: a PagerDuty Events v2 `acknowledge` quiets re-alerts like the button; a
    second one while it is live changes nothing (C8)."""
    desk = await open_desk(signal={"users": [alice.id]})
    event = {"routing_key": TOKEN, "dedup_key": "db1-disk"}
    trigger = {
        **event,
        "event_action": "trigger",
        "payload": {"summary": "Disk 95% on db1", "source": "db1", "severity": "critical"},
    }
    assert await desk.send("pagerduty", trigger) == "created"
    assert await desk.send("pagerduty", {**event, "event_action": "acknowledge"}) == "acknowledged"
    [acknowledged] = desk.thread()
    assert "acknowledged" in acknowledged.text
    [alert] = await desk.running.deps.alerts.find("pagerduty", "db1-disk")
    assert alert.acknowledgement is not None
    assert alert.acknowledgement.by == "source:pagerduty"

    desk.clock.advance(seconds=60)
    again = {**event, "event_action": "acknowledge", "client": "again"}
    assert await desk.send("pagerduty", again) == "deduplicated"
    assert await desk.tick(REALERT - 60) == 1
    assert mentions(desk.thread()[-1]) == []


async def test_the_audit_trail_says_who_did_what_when(
    open_desk: OpenDesk, slack: FakeSlack, bob: User
) -> None:
    """Item 4: every state change is recorded with who, when and what."""
    desk = await open_desk()
    await desk.fire()
    desk.clock.advance(seconds=30)
    await desk.fire("error")
    desk.clock.advance(seconds=30)
    await slack.as_user(bob).click(desk.message(), "Acknowledge")
    await desk.delivered()
    desk.clock.advance(seconds=30)
    await slack.as_user(bob).click(desk.message(), "Cancel acknowledgement")
    await desk.delivered()
    desk.clock.advance(seconds=30)
    await desk.resolve()

    trail = await desk.running.deps.alerts.audit_trail((await desk.alert()).id)
    assert [(entry.at - START, entry.actor, entry.action) for entry in trail] == [
        (timedelta(0), "source:generic", "created"),
        (timedelta(seconds=30), "source:generic", "updated"),
        (timedelta(seconds=60), bob.id, "acknowledged"),
        (timedelta(seconds=90), bob.id, "acknowledgement_cancelled"),
        (timedelta(seconds=120), "source:generic", "resolved"),
    ]
    assert trail[1].detail == "firing, error"
