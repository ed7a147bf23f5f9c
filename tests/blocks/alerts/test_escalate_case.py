"""Escalating a case: the report form's prefill from the case, and its timeline in the incident's."""

from __future__ import annotations

from dispatchbot.alerting.cases import CaseEntry
from dispatchbot.blocks.alerts.escalate_case import copied_event, incident_description, incident_title
from dispatchbot.blocks.incidents.report_incident import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    read_alert_id,
    read_case_id,
    report_modal,
)
from dispatchbot.domain import Visibility
from dispatchbot.ids import BlockId
from tests.blocks import samples as incident_samples
from tests.blocks.alerts import samples
from tests.blocks.limits import valid_view
from tests.blocks.samples import ALICE, NOW
from tests.blocks.state import elements
from tests.support.escaping import HOSTILE


def test_the_description_says_where_the_incident_came_from() -> None:
    assert (
        incident_description(samples.case())
        == "The data volume of db1 is almost full.\n\nEscalated from CASE-3"
    )
    assert incident_description(samples.case(description="  ")) == "Escalated from CASE-3"


def test_it_is_plain_text_within_the_form_and_keeps_its_origin() -> None:
    assert incident_description(samples.case(description=HOSTILE)).startswith(HOSTILE + "\n\n")
    text = incident_description(samples.case(description="d" * 10_000))
    assert len(text) == DESCRIPTION_LIMIT
    assert text.endswith("…\n\nEscalated from CASE-3")
    assert len(incident_title(samples.case(title="t" * 1000))) == TITLE_LIMIT


def test_the_form_opens_prefilled_and_names_its_case() -> None:
    catalog = incident_samples.catalog("Outage", "Degraded")
    view = valid_view(
        report_modal(
            catalog,
            title="Disk full",
            incident_type="Degraded",
            priority="Degraded",
            visibility=Visibility.RESTRICTED,
            case_id=3,
        )
    )
    inputs = elements(view)
    assert inputs[BlockId.INCIDENT_TYPE]["initial_option"]["value"] == "Degraded"
    assert inputs[BlockId.PRIORITY]["initial_option"]["value"] == "Degraded"
    assert inputs[BlockId.VISIBILITY]["initial_option"]["value"] == Visibility.RESTRICTED.value
    assert (read_case_id(view), read_alert_id(view)) == (3, None)
    unknown = elements(report_modal(catalog, incident_type="Nope", case_id=3))
    assert unknown[BlockId.INCIDENT_TYPE]["initial_option"]["value"] == "Outage"  # the first
    assert read_case_id(report_modal(catalog, alert_id=7)) is None
    assert read_case_id({"private_metadata": "case:x"}) is None


def test_a_copied_timeline_line_names_its_case() -> None:
    line = copied_event(CaseEntry(NOW, ALICE, "triaged"), samples.case())
    assert line == f"From CASE-3: :mag: <@{ALICE}> moved CASE-3 to Triage"
    line = copied_event(CaseEntry(NOW, "source:prometheus", "opened", "<!channel>"), samples.case())
    assert line == "From CASE-3: :new: source:prometheus opened CASE-3: &lt;!channel&gt;"
