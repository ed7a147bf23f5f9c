"""`/dispatch-list-incidents`, end to end: what each person may see, the filter, and the bound."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from dispatchbot.app import Running
from dispatchbot.config import IncidentSettings
from dispatchbot.storage.tables import IncidentRow
from dispatchbot.testing import Ack, Channel, FakeSlack, User
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.incidents import report_incident

LIST = "/dispatch-list-incidents"


def shown(ack: Ack) -> str:
    """Everything the ephemeral answer shows, as one text."""
    assert ack.payload is not None
    assert ack.payload["response_type"] == "ephemeral"
    parts = [str(ack.payload.get("text", ""))]
    for block in ack.payload.get("blocks") or []:
        parts.extend(_texts(block))
    return "\n".join(parts)


def _texts(block: dict[str, Any]) -> list[str]:
    found = [block["text"]["text"]] if isinstance(block.get("text"), dict) else []
    found += [element["text"] for element in block.get("elements", []) if "text" in element]
    return found


async def close(bot: Running, incident_id: int, actor: str, *, hours_ago: float = 0) -> None:
    await bot.deps.incidents.update(incident_id, {"status": "closed"}, actor)
    if hours_ago:
        closed_at = bot.deps.clock.now() - timedelta(hours=hours_ago)
        async with bot.deps.database.sessions.begin() as session:
            await session.execute(
                update(IncidentRow).where(IncidentRow.id == incident_id).values(closed_at=closed_at)
            )


async def test_lists_open_and_recently_closed_and_hides_restricted_from_outsiders(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    carol = slack.add_user("carol", real_name="Carol Chen")
    _public, public_channel = await report_incident(bot, slack, alice, general, Title="DB latency")
    secret, _ = await report_incident(bot, slack, bob, general, Title="Leaked keys", Type="Security")
    done, _ = await report_incident(bot, slack, alice, general, Title="Old outage")
    old, _ = await report_incident(bot, slack, alice, general, Title="Ancient outage")
    await close(bot, done.id, alice.id)
    await close(bot, old.id, alice.id, hours_ago=25)

    outsider = shown(await slack.as_user(carol).slash_command(LIST, channel=general.id))
    assert "INC-1" in outsider
    assert "DB latency" in outsider
    assert f"<#{public_channel.id}>" in outsider
    assert f"Commander: <@{alice.id}>" in outsider
    assert "Type: Default · Severity: Undetermined · Priority: Medium" in outsider
    assert "*Active* (1)" in outsider
    assert "*Closed in the last 24 hours* (1)" in outsider
    assert "Old outage" in outsider
    assert "Ancient outage" not in outsider  # closed more than a day ago
    assert "INC-2" not in outsider
    assert "Leaked keys" not in outsider

    participant = shown(await slack.as_user(bob).slash_command(LIST, channel=general.id))
    assert "*INC-2* :lock: · Leaked keys" in participant
    assert "*Active* (2)" in participant
    assert secret.restricted


async def test_filter_text_matches_title_reference_and_type(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    carol = slack.add_user("carol", real_name="Carol Chen")
    await report_incident(bot, slack, alice, general, Title="DB latency")
    await report_incident(bot, slack, alice, general, Title="Checkout errors")
    await report_incident(bot, slack, alice, general, Title="Leaked keys", Type="Security")
    person = slack.as_user(alice)

    by_title = shown(await person.slash_command(LIST, "LATENCY", channel=general.id))
    assert "DB latency" in by_title
    assert "Checkout errors" not in by_title
    assert "Showing incidents matching “LATENCY”" in by_title

    by_reference = shown(await person.slash_command(LIST, "inc-2", channel=general.id))
    assert "Checkout errors" in by_reference
    assert "DB latency" not in by_reference

    by_type = shown(await person.slash_command(LIST, "security", channel=general.id))
    assert "Leaked keys" in by_type
    assert "DB latency" not in by_type

    outsider = shown(await slack.as_user(carol).slash_command(LIST, "security", channel=general.id))
    assert outsider.startswith("No incidents matching “security”.")
    assert "Leaked keys" not in outsider

    wildcard = shown(await person.slash_command(LIST, "%", channel=general.id))
    assert wildcard.startswith("No incidents matching “%”.")


async def test_the_list_is_bounded_and_says_how_many_more(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url)
    settings = settings.model_copy(update={"incidents": IncidentSettings(list_limit=2)})
    bot = await start_bot(settings)
    await slack.socket.wait_connected()
    for title in ("First", "Second", "Third"):
        await report_incident(bot, slack, alice, general, Title=title)

    text = shown(await slack.as_user(alice).slash_command(LIST, channel=general.id))
    assert "Third" in text
    assert "Second" in text
    assert "First" not in text  # newest first
    assert "1 more not shown — narrow it with a filter" in text


async def test_nothing_to_list_gets_a_friendly_line(bot: Running, slack: FakeSlack, alice: User) -> None:
    ack = await slack.as_user(alice).slash_command(LIST)
    assert shown(ack).startswith("No incidents right now")
