"""The incident list: grouped by status, the search echoed bounded, what is hidden counted."""

from __future__ import annotations

from dispatchbot.blocks.incidents import list_incidents
from dispatchbot.domain import Status, Visibility
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import BOB, CHANNEL
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_incident_line_says_what_how_bad_who_and_where() -> None:
    assert list_incidents.incident_line(samples.incident()).splitlines() == [
        "*INC-7* · Checkout errors",
        ":red_circle: Active · Type: Outage · Severity: High · Priority: P1",
        f"Commander: <@{BOB}> · Cost: $1,234 · <#{CHANNEL}>",
    ]


def test_incident_line_marks_restricted_and_channels_being_set_up() -> None:
    line = list_incidents.incident_line(samples.incident(visibility=Visibility.RESTRICTED, channel_id=None))
    assert line.startswith("*INC-7* :lock: · ")
    assert line.endswith("_channel being set up_")


def test_nothing_found_with_and_without_a_search() -> None:
    assert list_incidents.incident_list([], 0, "")[0].startswith("No incidents right now")
    message = list_incidents.incident_list([], 0, "db")
    valid_message(message)
    assert message[0] == "No incidents matching “db”."


def test_groups_in_status_order_with_counts() -> None:
    incidents = [samples.incident(status=status) for status in (Status.CLOSED, Status.ACTIVE, Status.ACTIVE)]
    message = list_incidents.incident_list(incidents, 3, "")
    valid_message(message)
    assert message[0] == "3 incidents"
    headings = [text for text in mrkdwn(message) if text.startswith("*") and "(" in text]
    assert headings == ["*Active* (2)", "*Closed in the last 24 hours* (1)"]


def test_the_most_listed_fit_and_count_the_hidden() -> None:
    """`list_limit` is at most 40: they all fit, with the note of what is left out."""
    incidents = samples.many(samples.incident, 40)
    message = list_incidents.incident_list(incidents, 200, "x" * 500)
    valid_message(message)
    assert "matching “" + "x" * 99 + "…”" in message[0]
    assert mrkdwn(message)[-1] == list_incidents.more_note(160)
    assert list_incidents.more_note(160).startswith("160 more not shown")


def test_sixty_incidents_are_cut_to_fifty_blocks() -> None:
    incidents = [
        incident for status in Status for incident in samples.many(samples.incident, 20, status=status)
    ]
    assert len(valid_message(list_incidents.incident_list(incidents, 60, ""))) == 50


def test_typed_text_is_escaped() -> None:
    shown_escaped(list_incidents.incident_list([samples.incident(title=HOSTILE)], 1, HOSTILE))
