"""The Update Incident modal (prefilled as the incident is), its parser, and the status messages."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.incidents import update_incident
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT, TITLE_LIMIT
from dispatchbot.domain import Status, Visibility
from dispatchbot.ids import BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, LONG_TEXT
from tests.blocks.state import chosen, elements, incident_form, refused, typed
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

CATALOG = samples.catalog("Outage", "Degraded")


def test_modal_is_prefilled_with_the_incident_at_its_longest() -> None:
    longest = samples.incident(
        title="t" * TITLE_LIMIT, description="d" * DESCRIPTION_LIMIT, resolution="r" * DESCRIPTION_LIMIT
    )
    view = valid_view(update_incident.update_modal(longest, CATALOG))
    inputs = elements(view)
    assert inputs[BlockId.TITLE]["initial_value"] == longest.title
    assert inputs[BlockId.RESOLUTION]["initial_value"] == longest.resolution
    assert inputs[BlockId.STATUS]["initial_option"]["value"] == "active"
    assert view["private_metadata"] == "7"


def test_parser_reads_every_field() -> None:
    edit = update_incident.read_update_form(incident_form(), CATALOG)
    assert edit.changes() == {
        "title": "Checkout errors",
        "description": "Cards fail",
        "resolution": "Rolled back",
        "status": "stable",
        "incident_type": "Degraded",
        "severity": "Degraded",
        "priority": "Outage",
        "visibility": "restricted",
    }
    assert (edit.status, edit.visibility) == (Status.STABLE, Visibility.RESTRICTED)


@pytest.mark.parametrize(
    "changes",
    [
        {BlockId.TITLE: typed("")},
        {BlockId.TITLE: typed("t" * (TITLE_LIMIT + 1))},
        {BlockId.DESCRIPTION: typed(LONG_TEXT)},
        {BlockId.RESOLUTION: typed(LONG_TEXT)},
        {BlockId.STATUS: chosen("gone")},
        {BlockId.INCIDENT_TYPE: None},
        {BlockId.SEVERITY: chosen("gone")},
        {BlockId.SEVERITY: chosen("Outage")},  # not allowed for stable incidents
        {BlockId.PRIORITY: None},
        {BlockId.VISIBILITY: chosen("secret")},
    ],
)
def test_parser_names_the_field_to_fix(changes: dict[str, dict[str, str] | None]) -> None:
    errors = refused(lambda: update_incident.read_update_form(incident_form(**changes), CATALOG))
    assert set(errors) == set(changes)


def test_nothing_changed_modal() -> None:
    view = valid_view(update_incident.nothing_changed_modal(samples.incident()))
    assert mrkdwn(view) == ["Nothing to change: *INC-7* already looks like that."]


@pytest.mark.parametrize("resolution", [LONG_TEXT, "<&>" * 966], ids=["long", "long once escaped"])
@pytest.mark.parametrize("archiving", [False, True])
def test_closing_message_shows_the_resolution_and_how_to_reopen(archiving: bool, resolution: str) -> None:
    """Even after a resolution at its limit, the channel is told how to reopen (a bug once clipped it)."""
    closed = samples.incident(status=Status.CLOSED, resolution=resolution)
    message = update_incident.closing_message(closed, ALICE, archiving=archiving, command="/update")
    valid_message(message)
    assert message[0] == "INC-7 is closed"
    assert ("run `/update INC-7` from any channel" in mrkdwn(message)[-1]) is archiving


def test_status_messages_name_the_actor_and_escape_typed_text() -> None:
    hostile = samples.incident(title=HOSTILE, resolution=HOSTILE)
    for message in (
        update_incident.stable_message(hostile, ALICE, "/update"),
        update_incident.reopened_message(hostile, ALICE),
        update_incident.unarchive_by_hand(hostile),
    ):
        valid_message(message)
    stable = update_incident.stable_message(hostile, ALICE, "/update")
    assert f"<@{ALICE}> marked *INC-7* as *Stable*" in mrkdwn(stable)[1]
    shown_escaped(update_incident.closing_message(hostile, ALICE, archiving=True, command="/update"))
