"""App Home, end to end: the tab shows your incidents and the others, never a restricted one to outsiders."""

from __future__ import annotations

from typing import Any

from dispatchbot.app import Running
from dispatchbot.testing import Channel, FakeSlack, User, View
from tests.support.incidents import report_incident
from tests.support.waiting import eventually


def home_text(slack: FakeSlack, user: User) -> str:
    home = slack.home_view(user.id)
    assert home is not None
    return "\n".join(_texts(block) for block in home.blocks)


def _texts(block: dict[str, Any]) -> str:
    """Texts of a block and of its elements (context lines, button labels)."""
    parts = [block, *block.get("elements", [])]
    return "\n".join(_text(part["text"]) for part in parts if "text" in part)


def _text(text: str | dict[str, Any]) -> str:
    return text if isinstance(text, str) else str(text["text"])


def section_of(text: str, heading: str) -> str:
    """The part of the tab under `heading`, up to the next heading."""
    after = text.split(heading, 1)[1]
    return after.split("Other open incidents", 1)[0] if heading == "Your open incidents" else after


async def open_home(slack: FakeSlack, user: User, expect: str) -> str:
    before = len(slack.calls_to("views.publish"))
    await slack.as_user(user).open_home()
    await eventually(lambda: len(slack.calls_to("views.publish")) > before, what="the published home")
    text = home_text(slack, user)
    assert expect in text
    return text


async def test_home_shows_your_incidents_and_hides_restricted_ones_from_others(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = slack.add_user("bob", real_name="Bob Brown")
    carol = slack.add_user("carol", real_name="Carol Chen")
    await report_incident(bot, slack, alice, general, Title="DB latency")
    await report_incident(bot, slack, bob, general, Title="Leaked keys", Type="Security")
    closed, _ = await report_incident(bot, slack, alice, general, Title="Old outage")
    await bot.deps.incidents.update(closed.id, {"status": "closed"}, alice.id)

    outsider = await open_home(slack, carol, "Report an incident")
    assert "You are not taking part in any open incident." in section_of(outsider, "Your open incidents")
    assert "DB latency" in section_of(outsider, "Other open incidents")
    assert "Leaked keys" not in outsider
    assert "Old outage" not in outsider  # closed: not open any more

    participant = await open_home(slack, bob, "Your open incidents")
    mine = section_of(participant, "Your open incidents")
    assert "*INC-2* :lock: · Leaked keys" in mine
    assert "Your roles: Incident Commander, Reporter" in mine
    assert "DB latency" not in mine
    assert "DB latency" in section_of(participant, "Other open incidents")

    commander = await open_home(slack, alice, "Your open incidents")
    assert "DB latency" in section_of(commander, "Your open incidents")
    assert "Leaked keys" not in commander


async def test_join_from_home_invites_and_moves_the_incident_to_yours(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    carol = slack.add_user("carol", real_name="Carol Chen")
    _incident, channel = await report_incident(bot, slack, alice, general, Title="DB latency")
    await open_home(slack, carol, "DB latency")
    home = slack.home_view(carol.id)
    assert home is not None

    publishes = len(slack.calls_to("views.publish"))
    ack = await View(slack.as_user(carol), home.id).click("Join")
    assert ack.ok
    await eventually(lambda: carol.id in channel.members, what="the invite")
    await eventually(lambda: len(slack.dms(carol.id)) == 1, what="the answer by DM")
    assert slack.dms(carol.id)[0].text == f":white_check_mark: You're in: <#{channel.id}> (INC-1)."
    await eventually(lambda: len(slack.calls_to("views.publish")) > publishes, what="the refreshed home")
    mine = section_of(home_text(slack, carol), "Your open incidents")
    assert "DB latency" in mine
    assert "Your roles: Observer" in mine


async def test_report_button_opens_the_report_form(bot: Running, slack: FakeSlack, alice: User) -> None:
    await open_home(slack, alice, "Report an incident")
    home = slack.home_view(alice.id)
    assert home is not None
    person = slack.as_user(alice)
    await View(person, home.id).click("Report an incident")
    view = await person.wait_for_view(callback_id="report_incident")
    assert view.title == "Report Incident"


async def test_home_report_button_opens_the_report_form(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await open_home(slack, alice, "Report an incident")
    home = slack.home_view(alice.id)
    assert home is not None
    await View(slack.as_user(alice), home.id).click("Report an incident")
    form = await slack.as_user(alice).wait_for_view(callback_id="report_incident")
    assert form.title == "Report Incident"
