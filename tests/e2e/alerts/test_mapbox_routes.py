"""mapbox/dispatch's routes end to end (M1 to M9): broadcast and nag DMs, the self-service prompt and its
answers, paging (high-priority, an unknown type, a self-service No) on the PagerDuty fake, record-only,
retrigger, ids made for messages without one, and people who cannot be reached.

The bot runs in-process against the Slack fake and the PagerDuty fake (the Database service of
`tests.support.oncall`); a `[[signals]]` entry for the mapbox source names that service, so its pages
go there.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from dispatchbot.alerting.model import Alert, AlertState, Route
from dispatchbot.app import Running
from dispatchbot.errors import UserFacingError
from dispatchbot.testing import FakeSlack, User
from dispatchbot.testing.pagerduty import FakePagerDuty
from dispatchbot.testing.slack.state import Message
from tests.e2e.alerts.support import alert_settings, post, top_level
from tests.e2e.conftest import StartBot
from tests.support import oncall
from tests.support.escaping import HOSTILE, unescaped
from tests.support.oncall import DATABASE
from tests.support.waiting import eventually, eventually_value

pd = oncall.pd

SOURCE = "mapbox"
FALLBACK = "alerts-fallback"
PAGING: dict[str, Any] = {"name": "Security", "source": SOURCE, "oncall_service": DATABASE.name}
"""Keeps each message's own route and users; pages (high-priority, a self-service No) go to Database."""
SLACK_TEXTS = {
    "message": "2FA was disabled on your account.",
    "prompt": "Did you do this?",
    "actions": {"yes": "Yes, me", "no": "Not me", "yes_response": "Thanks", "no_response": "Security paged"},
}


@pytest.fixture
def bob(slack: FakeSlack) -> User:
    return slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")


@pytest.fixture
def fallback(slack: FakeSlack) -> str:
    return slack.add_channel(FALLBACK, members=[slack.bot_user_id]).id


async def start(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    pd: FakePagerDuty,
    signals: Sequence[dict[str, Any]] = (PAGING,),
) -> Running:
    settings = alert_settings(
        slack,
        database_url,
        services=[DATABASE],
        pagerduty=pd.settings(from_email="bot@example.com"),
        signals=list(signals),
        alerts={"fallback_channel": f"#{FALLBACK}"},
    )
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    return running


def mapbox(
    kind: str,
    title: str,
    users: Sequence[dict[str, str]] = (),
    *,
    request_id: str | None = "req-1",
    **fields: Any,
) -> dict[str, Any]:
    """A mapbox message: `users` as the spec gives them ({"slackId": ...} or {"slack": email})."""
    message: dict[str, Any] = {
        "type": kind,
        "users": list(users),
        "body": {"github": {"title": title, "body": "details"}, "slack": dict(SLACK_TEXTS)},
        **fields,
    }
    if request_id is not None:
        message["requestId"] = request_id
    return message


async def send(running: Running, message: dict[str, Any], action: str = "created") -> str:
    """POST `message`; its dedup key, once the answer says `action`."""
    status, body = await post(running, SOURCE, message)
    assert status == 202, body
    [outcome] = body["alerts"]
    assert outcome["action"] == action, outcome
    return str(outcome["dedup_key"])


async def alert(running: Running, key: str) -> Alert:
    [found] = await running.deps.alerts.find(SOURCE, key)
    return found


async def actions(running: Running, key: str) -> list[tuple[str, str, str]]:
    """The alert's audit trail as (actor, action, detail)."""
    trail = await running.deps.alerts.audit_trail((await alert(running, key)).id)
    return [(entry.actor, entry.action, entry.detail) for entry in trail]


async def dms(slack: FakeSlack, user: User, count: int) -> list[Message]:
    await eventually(lambda: len(slack.dms(user.id)) >= count, what=f"{count} DMs to {user.name}")
    return slack.dms(user.id)


def labels(message: Message) -> list[str]:
    return [
        str(element["text"]["text"])
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown(message: Message) -> str:
    """The message's text and the texts of its sections and context lines, one per line."""
    texts = [message.text]
    for block in message.blocks:
        parts = [block.get("text"), *(block.get("elements", []) if block["type"] == "context" else [])]
        texts.extend(str(part.get("text", "")) for part in parts if isinstance(part, dict))
    return "\n".join(texts)


async def confirm(slack: FakeSlack, person: User, dm_count: int) -> None:
    """`person` answers Yes to the prompt, their last of `dm_count` DMs, until it shows the answer."""
    await confirm_with(slack, person, "Yes, me", "Thanks", dm_count)


async def confirm_with(slack: FakeSlack, person: User, label: str, response: str, dm_count: int = 2) -> None:
    prompt = (await dms(slack, person, dm_count))[-1]
    await slack.as_user(person).click(prompt, label)
    await eventually(lambda: response in shown(prompt), what=f"the prompt showing {response!r}")


async def paged(running: Running, key: str, times: int) -> bool:
    """Whether the alert's audit trail records `times` pages."""
    return sum(action == "paged" for _, action, _ in await actions(running, key)) == times


def messages_in(
    slack: FakeSlack, channel: str, count: int = 1
) -> Callable[[], Awaitable[list[Message] | None]]:
    """For `eventually_value`: the channel's messages once there are `count`."""

    async def probe() -> list[Message] | None:
        found = slack.messages(channel)
        return found if len(found) >= count else None

    return probe


# --------------------------------------------------------------------------- broadcast (M6)


async def test_broadcast_dms_each_user_once_without_buttons(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, bob: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    users = [{"slackId": alice.id}, {"slack": "bob@example.com"}]
    key = await send(running, mapbox("broadcast", "Deploy freeze tonight", users))

    for person in (alice, bob):
        [dm] = await dms(slack, person, 1)
        assert "2FA was disabled" in dm.text
        assert labels(dm) == []

    async def recorded() -> list[tuple[str, str, str]] | None:
        entries = [entry for entry in await actions(running, key) if entry[1] == "broadcast"]
        return entries or None

    [(_, _, recipients)] = await eventually_value(recorded, what="the broadcast record")
    assert recipients.split() == [alice.id, bob.id]
    assert (await alert(running, key)).details["recipients"] == [alice.id, bob.id]
    assert pd.incidents == []


# --------------------------------------------------------------------------- self-service (M3, M4, M5)


async def test_self_service_asks_the_first_user_only_and_yes_closes_the_alert(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, bob: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    key = await send(
        running, mapbox("self-service", "2FA disabled: alice", [{"slackId": alice.id}, {"slackId": bob.id}])
    )

    message, prompt = await dms(slack, alice, 2)
    assert "2FA was disabled" in message.text
    assert labels(message) == []
    assert "Did you do this?" in prompt.text
    assert labels(prompt) == ["Yes, me", "Not me"]
    assert slack.dms(bob.id) == []

    await slack.as_user(bob).click(prompt, "Yes, me")
    await eventually(lambda: bool(slack.ephemerals(user=bob.id)), what="bob's refusal")
    assert "Only the person this alert asked" in slack.ephemerals(user=bob.id)[-1].text
    refused = await alert(running, key)
    assert refused.state is AlertState.FIRING
    assert "answer" not in refused.details

    await confirm(slack, alice, 2)
    assert labels(prompt) == []
    closed = await alert(running, key)
    assert closed.state is AlertState.CLOSED
    assert closed.details["answered_by"] == alice.id
    assert (alice.id, "confirmed", "") in await actions(running, key)
    assert pd.incidents == []


async def test_self_service_no_pages_once_on_the_request_id(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    key = await send(
        running,
        mapbox("self-service", "Login from a new country", [{"slackId": alice.id}], request_id="a1b2c3"),
    )
    _, prompt = await dms(slack, alice, 2)

    as_asked = copy.deepcopy(prompt)  # the fake edits `prompt` in place when the bot does
    await slack.as_user(alice).click(prompt, "Not me")
    await eventually(lambda: pd.incident_by_key("a1b2c3") is not None, what="the page")
    await eventually(lambda: "Security paged" in shown(slack.dms(alice.id)[1]), what="the no_response")
    await slack.as_user(alice).click(as_asked, "Not me")  # a double click: dropped as a repeat
    answered = await alert(running, key)
    with pytest.raises(UserFacingError, match="answered already"):  # a No after the double-click window
        await running.deps.alerts.answer_prompt(answered.id, alice.id, yes=False)
    await eventually(lambda: paged(running, key, 1), what="the page recorded")
    assert [incident.incident_key for incident in pd.incidents] == ["a1b2c3"]
    assert pd.incidents[0].service_id == DATABASE.external_id
    assert (await alert(running, key)).details["answer"] == "no"


async def test_self_service_no_without_an_oncall_service_says_so_in_the_fallback_channel(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, fallback: str
) -> None:
    running = await start(slack, database_url, start_bot, pd, signals=())
    key = await send(running, mapbox("self-service", "Odd login", [{"slackId": alice.id}]))
    _, prompt = await dms(slack, alice, 2)

    await slack.as_user(alice).click(prompt, "Not me")
    [note] = await eventually_value(messages_in(slack, fallback), what="the note")
    assert "no on-call service" in note.text
    assert "2FA was disabled" in shown(note)
    assert labels(note) == []
    assert pd.incidents == []
    assert any(action == "page_failed" for _, action, _ in await actions(running, key))


# --------------------------------------------------------------------------- page, record, nag (M1, M7)


async def test_high_priority_pages_on_the_pagerduty_title_and_posts_nothing(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    message = mapbox("high-priority", "Database down", [{"slackId": alice.id}])
    message["body"]["pagerduty"] = {"title": "db-primary-down"}
    await send(running, message)
    unknown = mapbox("urgent!!", "Cache down", [{"slackId": alice.id}], request_id="req-2")
    status, body = await post(running, SOURCE, unknown)
    assert status == 202, body
    assert body["alerts"][0]["action"] == "created"

    await eventually(lambda: pd.incident_by_key("db-primary-down") is not None, what="the page")
    await eventually(lambda: pd.incident_by_key("Cache down") is not None, what="the unknown type's page")
    assert len(pd.incidents) == 2
    assert slack.calls_to("chat.postMessage") == []
    assert slack.dms(alice.id) == []


async def test_missing_type_is_refused(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    message = mapbox("broadcast", "Nothing")
    del message["type"]
    status, body = await post(running, SOURCE, message)
    assert status == 400
    assert body["field"] == "type"


async def test_low_priority_only_records(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    key = await send(running, mapbox("low-priority", "Cert expires in 30 days", [{"slackId": alice.id}]))
    high = mapbox("high-priority", "After it", request_id="req-2")
    await send(running, high)  # the record owes no notice at all; this page shows delivery ran

    await eventually(lambda: pd.incident_by_key("After it") is not None, what="the later page")
    recorded = await alert(running, key)
    assert recorded.route is Route.RECORD
    assert recorded.alert_channels == ()
    assert len(pd.incidents) == 1
    assert slack.calls_to("chat.postMessage") == []


async def test_nag_dms_every_time_even_without_retrigger(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    nag = mapbox("nag", "Rotate your keys", [{"slackId": alice.id}], retrigger=False)
    await send(running, nag)
    await dms(slack, alice, 1)
    again = {**nag, "body": {**nag["body"], "github": {"title": "Rotate your keys", "body": "day 2"}}}
    await send(running, again, "updated")
    await dms(slack, alice, 2)
    await send(running, {**nag, "requestId": "req-2"})  # another id, the same title: retrigger ignored
    reminders = await dms(slack, alice, 3)
    assert len(reminders) == 3
    assert all(labels(dm) == [] for dm in reminders)


# --------------------------------------------------------------------------- retrigger (M8)


@pytest.mark.parametrize(("retrigger", "after_closing"), [(None, "created"), (False, "suppressed")])
async def test_retrigger_suppresses_a_repeat_while_open_or_when_false_ever(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    pd: FakePagerDuty,
    alice: User,
    retrigger: bool | None,
    after_closing: str,
) -> None:
    """M8: by default (no `retrigger`) a title repeats once its alert is closed; `retrigger: false`
    holds it back even then."""
    running = await start(slack, database_url, start_bot, pd)
    flag = {} if retrigger is None else {"retrigger": retrigger}

    def again(request_id: str) -> dict[str, Any]:
        return mapbox("self-service", "2FA disabled", [{"slackId": alice.id}], request_id=request_id, **flag)

    await send(running, again("r1"))
    await send(running, again("r2"), "suppressed")
    await confirm(slack, alice, 2)
    await send(running, again("r3"), after_closing)
    if after_closing == "created":
        await dms(slack, alice, 4)
    assert len(await running.deps.alerts.listing(firing_only=False, limit=10)) == (
        2 if retrigger is None else 1
    )


# --------------------------------------------------------------------------- request ids (M2)


async def test_a_message_without_request_id_gets_the_same_12_hex_id_on_a_retry(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    message = mapbox("broadcast", "No id", [{"slackId": alice.id}], request_id=None)
    key = await send(running, message)
    assert re.fullmatch(r"[0-9a-f]{12}", key)
    assert await send(running, message, "deduplicated") == key
    await dms(slack, alice, 1)
    assert len((await alert(running, key)).mapbox.request_id) == 12  # type: ignore[union-attr]


# --------------------------------------------------------------------------- unreachable people (M9)


async def test_people_not_found_are_reported_in_the_fallback_channel(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, fallback: str
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    users = [{"slack": "nobody@example.com"}, {"slack": "carol"}, {"github": "dave"}, {"slackId": alice.id}]
    await send(running, mapbox("broadcast", "Broadcast to some", users))
    notes = await eventually_value(messages_in(slack, fallback, 3), what="three notes")
    for who, note in zip(("nobody@example.com", "carol", "dave"), notes, strict=True):
        assert who in note.text
    assert all("2FA was disabled" in shown(note) for note in notes)
    await dms(slack, alice, 1)

    await send(
        running,
        mapbox("self-service", "Ask carol", [{"slack": "carol"}, {"slackId": alice.id}], request_id="r2"),
    )
    notes = await eventually_value(messages_in(slack, fallback, 4), what="the self-service note")
    assert "carol" in notes[3].text
    assert "2FA was disabled" in shown(notes[3])
    assert all(labels(note) == [] and "Did you do this?" not in shown(note) for note in notes)
    assert len(slack.dms(alice.id)) == 1  # users[0] only: alice is not asked instead


async def test_a_failed_dm_is_reported_in_the_fallback_channel(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, fallback: str
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    slack.faults.error("conversations.open", "user_disabled")
    key = await send(running, mapbox("self-service", "Cannot DM", [{"slackId": alice.id}]))
    [note] = await eventually_value(messages_in(slack, fallback), what="the note")
    assert "user_disabled" in note.text
    assert labels(note) == []
    assert any(action == "unreachable" for _, action, _ in await actions(running, key))


# --------------------------------------------------------------------------- signals over messages


async def test_a_signal_overrides_route_users_and_channel_one_without_them_keeps_the_message(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, bob: User
) -> None:
    security = slack.add_channel("security", members=[slack.bot_user_id])
    signals: list[dict[str, Any]] = [
        {
            "name": "To bob",
            "source": SOURCE,
            "match": {"title": "~^Override"},
            "route": "broadcast",
            "users": [bob.id],
        },
        {
            "name": "In channel",
            "source": SOURCE,
            "match": {"title": "~^Channel"},
            "route": "channel",
            "channel": "#security",
        },
        PAGING,
    ]
    running = await start(slack, database_url, start_bot, pd, signals=signals)
    users = [{"slackId": alice.id}]

    await send(running, mapbox("self-service", "Override: to bob", users, request_id="r1"))
    [dm] = await dms(slack, bob, 1)
    assert labels(dm) == []

    await send(running, mapbox("self-service", "Channel: posted", users, request_id="r2"))
    [posted] = await eventually_value(messages_in(slack, security.id), what="the channel message")
    assert "Channel: posted" in shown(posted)

    kept = await send(running, mapbox("self-service", "Kept as sent", users, request_id="r3"))
    _, prompt = await dms(slack, alice, 2)
    assert labels(prompt) == ["Yes, me", "Not me"]
    assert (await alert(running, kept)).route is Route.SELF_SERVICE
    assert len(slack.dms(bob.id)) == 1
    assert top_level(slack, security.id) == [posted]


async def test_retrigger_holds_for_messages_arriving_together(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User
) -> None:
    running = await start(slack, database_url, start_bot, pd)
    users = [{"slackId": alice.id}]
    together = [mapbox("self-service", "At once", users, request_id=f"r{n}") for n in range(5)]
    answers = await asyncio.gather(*(post(running, SOURCE, message) for message in together))
    assert sorted(body["alerts"][0]["action"] for _, body in answers) == ["created", *["suppressed"] * 4]


async def test_a_messages_own_words_reach_slack_escaped(
    slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty, alice: User, fallback: str
) -> None:
    """The message, prompt, responses and an unknown person's name all came from the sender: shown,
    never live markup (no `<!channel>` pings from a DM or the fallback channel)."""
    running = await start(slack, database_url, start_bot, pd)
    labels_and_responses = {"yes": "Yes", "no": "No", "yes_response": HOSTILE, "no_response": HOSTILE}
    texts = {"message": HOSTILE, "prompt": HOSTILE, "actions": labels_and_responses}
    message = mapbox("self-service", f"Title {HOSTILE}", [{"slackId": alice.id}])
    message["body"]["slack"] = texts
    await send(running, message)
    unknown = mapbox("broadcast", "Other", [{"slack": f"carol {HOSTILE}"}], request_id="r2")
    unknown["body"]["slack"] = texts
    await send(running, unknown)
    await confirm_with(slack, alice, "Yes", "Tom &amp; Jerry")
    [note] = await eventually_value(messages_in(slack, fallback), what="the note")

    for posted in [*slack.dms(alice.id), note]:
        assert unescaped(shown(posted)) == [], shown(posted)
