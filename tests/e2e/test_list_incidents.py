"""`/dispatch-list-incidents`, end to end: what each person may see, the filter, and the bound."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from dispatchbot.app import Running
from dispatchbot.config import IncidentSettings
from dispatchbot.storage.tables import IncidentRow
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.incidents import report_incident
from tests.support.runs import settled
from tests.support.waiting import eventually

LIST = "/dispatch-list-incidents"


async def shown(slack: FakeSlack, person: User, text: str = "", channel: Channel | None = None) -> str:
    """Run the command; everything its answer shows, as one text.

    The ack is empty and immediate; the answer follows through the response_url, ephemeral: only the
    person who asked sees it, where they asked.
    """
    where = channel.id if channel is not None else slack.workspace.im_with(person.id).id
    before = len(slack.ephemerals(where, person.id))
    ack = await slack.as_user(person).slash_command(LIST, text, channel=where)
    assert ack.ok
    assert not ack.payload, "the list is not answered in the ack"
    await eventually(lambda: len(slack.ephemerals(where, person.id)) == before + 1, what="the list")
    _path, answer = slack.response_url_posts[-1]
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    [ephemeral] = slack.ephemerals(where, person.id)[before:]
    parts = [ephemeral.text]
    for block in ephemeral.blocks:
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

    outsider = await shown(slack, carol, channel=general)
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

    participant = await shown(slack, bob, channel=general)
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
    by_title = await shown(slack, alice, "LATENCY", general)
    assert "DB latency" in by_title
    assert "Checkout errors" not in by_title
    assert "Showing incidents matching “LATENCY”" in by_title

    by_reference = await shown(slack, alice, "inc-2", general)
    assert "Checkout errors" in by_reference
    assert "DB latency" not in by_reference

    by_type = await shown(slack, alice, "security", general)
    assert "Leaked keys" in by_type
    assert "DB latency" not in by_type

    outsider = await shown(slack, carol, "security", general)
    assert outsider.startswith("No incidents matching “security”.")
    assert "Leaked keys" not in outsider

    wildcard = await shown(slack, alice, "%", general)
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

    text = await shown(slack, alice, channel=general)
    assert "Third" in text
    assert "Second" in text
    assert "First" not in text  # newest first
    assert "1 more not shown — narrow it with a filter" in text


async def test_nothing_to_list_gets_a_friendly_line(bot: Running, slack: FakeSlack, alice: User) -> None:
    assert (await shown(slack, alice)).startswith("No incidents right now")  # in the DM with the app


async def test_a_redelivery_to_another_replica_is_answered_once(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    """Both replicas ack at once; the durable delivery record lets only one of them answer."""
    replicas = [await start_bot(bot_settings(slack, database_url)) for _ in range(2)]
    await slack.socket.wait_connected(2)
    first = await slack.as_user(alice).slash_command(LIST, channel=general.id)
    await eventually(lambda: len(slack.ephemerals(general.id, alice.id)) == 1, what="the answer")
    again = await slack.socket.redeliver(first)  # round-robin: the other replica's connection
    assert again.ok
    assert not again.payload

    def metrics() -> list[str]:
        return [bot.deps.metrics.render().decode() for bot in replicas]

    await eventually(
        lambda: any('dispatchbot_duplicate_deliveries_total{type="command"} 1.0' in m for m in metrics()),
        what="the repeat to be recognised",
    )
    assert all('dispatchbot_envelopes_total{type="command"} 1.0' in m for m in metrics())  # one each
    for replica in replicas:
        await settled(replica)
    assert len(slack.ephemerals(general.id, alice.id)) == 1
    assert len(slack.response_url_posts) == 1
