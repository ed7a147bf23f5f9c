"""The App Home tab: your incidents with your roles, the others with Join, each list bounded."""

from __future__ import annotations

from dispatchbot.blocks.alerts.case_list import home_cases
from dispatchbot.blocks.incidents.app_home import home_view
from dispatchbot.domain import Role
from dispatchbot.ids import ActionId
from tests.blocks import samples
from tests.blocks.limits import valid_view
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_empty_home_says_so_for_both_lists() -> None:
    texts = mrkdwn(valid_view(home_view([], 0, [], 0, "/list", [])))
    assert "You are not taking part in any open incident." in texts
    assert "No other open incidents." in texts


def test_roles_are_shown_commander_first_and_participant_when_none() -> None:
    mine = [(samples.incident(), frozenset({Role.SCRIBE, Role.COMMANDER})), (samples.incident(), frozenset())]
    texts = mrkdwn(home_view(mine, 2, [], 0, "/list", []))
    assert any(text.endswith("Your roles: Incident Commander, Scribe") for text in texts)
    assert any(text.endswith("Your roles: Participant") for text in texts)


def test_other_incidents_have_a_join_button() -> None:
    view = home_view([], 0, [samples.incident(id=9)], 1, "/list", [])
    buttons = [block["accessory"] for block in view["blocks"] if "accessory" in block]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(ActionId.JOIN_INCIDENT, "9")]


def test_sixty_incidents_each_stay_within_the_view_and_say_how_many_are_hidden() -> None:
    mine = [(incident, frozenset(Role)) for incident in samples.many(samples.incident, 60)]
    view = valid_view(home_view(mine, 80, samples.many(samples.incident, 60), 90, "/list", []))
    assert len(view["blocks"]) == 100
    assert any("20 more not shown" in text for text in mrkdwn(view))


def test_your_cases_come_after_your_incidents() -> None:
    cases = home_cases([], 0, "/cases")
    view = valid_view(home_view([], 0, [samples.incident()], 1, "/list", cases))
    headers = [block["text"]["text"] for block in view["blocks"] if block["type"] == "header"]
    assert headers == ["Incidents", "Your open incidents", "Your open cases", "Other open incidents"]


def test_typed_text_is_escaped() -> None:
    hostile = samples.incident(title=HOSTILE, severity=HOSTILE)
    shown_escaped(home_view([(hostile, frozenset())], 1, [hostile], 1, "/list", [])["blocks"])
