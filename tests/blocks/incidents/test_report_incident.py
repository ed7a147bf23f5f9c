"""The Report Incident modal, its parser, and the modals while and after the incident is created."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.incidents import report_incident
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT, TITLE_LIMIT, TYPE_DEFAULT
from dispatchbot.domain import IncidentDraft, Visibility
from dispatchbot.ids import BlockId
from tests.blocks import samples
from tests.blocks.limits import valid_view
from tests.blocks.state import chosen, elements, incident_form, refused, typed
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

CATALOG = samples.catalog("Outage", "Degraded")


def test_modal_preselects_the_catalog_defaults() -> None:
    view = valid_view(report_incident.report_modal(CATALOG, description="from the command"))
    inputs = elements(view)
    assert inputs[BlockId.DESCRIPTION]["initial_value"] == "from the command"
    assert inputs[BlockId.TITLE]["max_length"] == TITLE_LIMIT
    chosen_values = {key: element.get("initial_option", {}).get("value") for key, element in inputs.items()}
    assert chosen_values[BlockId.INCIDENT_TYPE] == chosen_values[BlockId.SEVERITY] == "Outage"
    assert chosen_values[BlockId.VISIBILITY] == TYPE_DEFAULT


def test_a_catalog_of_many_long_names_stays_within_limits() -> None:
    names = [f"{n:03d}" + "x" * 200 for n in range(120)]
    valid_view(report_incident.report_modal(samples.catalog(*names), description="d" * 5000))


def test_parser_reads_a_draft() -> None:
    draft = report_incident.read_report_form(incident_form(), CATALOG)
    assert draft == IncidentDraft(
        "Checkout errors", "Cards fail", "Degraded", "Degraded", "Outage", Visibility.RESTRICTED
    )


def test_parser_takes_the_types_visibility_by_default() -> None:
    draft = report_incident.read_report_form(incident_form(visibility=chosen(TYPE_DEFAULT)), CATALOG)
    assert draft.visibility is Visibility.OPEN


def test_parser_takes_the_default_severity_and_priority_when_left_empty() -> None:
    draft = report_incident.read_report_form(incident_form(severity=None, priority=None), CATALOG)
    assert (draft.severity, draft.priority) == ("Outage", "Outage")


@pytest.mark.parametrize(
    "changes",
    [
        {BlockId.TITLE: typed("   ")},
        {BlockId.TITLE: typed("t" * (TITLE_LIMIT + 1))},
        {BlockId.DESCRIPTION: typed("d" * (DESCRIPTION_LIMIT + 1))},
        {BlockId.INCIDENT_TYPE: None},
        {BlockId.SEVERITY: chosen("gone")},
        {BlockId.PRIORITY: chosen("gone")},
    ],
    ids=["no title", "long title", "long description", "no type", "severity", "priority"],
)
def test_parser_names_the_field_to_fix(changes: dict[str, dict[str, str] | None]) -> None:
    errors = refused(lambda: report_incident.read_report_form(incident_form(**changes), CATALOG))
    assert set(errors) == set(changes)


def test_progress_modals_show_the_title_escaped() -> None:
    draft = IncidentDraft(HOSTILE, "", "Outage", "High", "P1", Visibility.OPEN)
    shown_escaped(valid_view(report_incident.creating_modal(draft))["blocks"])
    created = valid_view(report_incident.created_modal(samples.incident(title=HOSTILE)))
    shown_escaped(created["blocks"])
    assert "*INC-7* is open: join <#C0INCIDENT>." in mrkdwn(created)[0]
