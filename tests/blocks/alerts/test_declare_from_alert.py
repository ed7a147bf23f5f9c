"""The report form's prefill when an incident is declared from an alert."""

from __future__ import annotations

import pytest

from dispatchbot.alert_formats.model import Severity
from dispatchbot.blocks.alerts.declare_from_alert import incident_description, incident_severity_name
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT
from dispatchbot.config.sections import DEFAULT_SEVERITIES
from tests.blocks.alerts import samples
from tests.blocks.alerts.samples import RUNBOOK_URL, SOURCE_URL
from tests.support.escaping import HOSTILE

PERMALINK = "https://slack.example/archives/C1/p1"


@pytest.mark.parametrize(
    ("severity", "name"),
    [
        (Severity.CRITICAL, "Critical"),
        (Severity.ERROR, "High"),
        (Severity.WARNING, "Medium"),
        (Severity.INFO, "Low"),
    ],
)
def test_alert_severities_map_to_default_incident_severities(severity: Severity, name: str) -> None:
    assert incident_severity_name(severity) == name
    assert name in {entry.name for entry in DEFAULT_SEVERITIES}


def test_the_description_carries_the_alerts_details_and_link() -> None:
    assert incident_description(samples.alert(count=3), PERMALINK) == (
        "The data volume of db1 is almost full.\n\n"
        "Alert from prometheus (critical), seen 3 times.\n"
        f"Alert: {PERMALINK}\n"
        f"Source: {SOURCE_URL}\n"
        f"Runbook: {RUNBOOK_URL}\n"
        "Labels: alertname=DiskFull, instance=db1"
    )


def test_missing_parts_are_left_out() -> None:
    alert = samples.alert(description="  ", source_url="", runbook_url="", labels={})
    assert incident_description(alert, None) == "Alert from prometheus (critical), seen once."


def test_it_is_plain_text_shown_as_sent() -> None:
    text = incident_description(samples.alert(description=HOSTILE, labels={"a": HOSTILE}), None)
    assert text.startswith(HOSTILE + "\n\n")
    assert f"Labels: a={HOSTILE}" in text


def test_a_huge_alert_fits_the_form_and_keeps_its_facts() -> None:
    labels = {f"key{n}": "v" * 500 for n in range(1000)}
    alert = samples.alert(description="d" * 10_000, labels=labels, source_url=SOURCE_URL + "x" * 5000)
    text = incident_description(alert, PERMALINK)
    assert len(text) <= DESCRIPTION_LIMIT
    assert text.startswith("ddd")
    assert f"\nAlert: {PERMALINK}\nRunbook: {RUNBOOK_URL}\nLabels: key0=" in text  # no cut source URL
    assert text.endswith("… (+980 more)")


def test_the_facts_never_crowd_out_the_description() -> None:
    urls = "https://x.example/" + "u" * 980
    alert = samples.alert(description="d" * 5000, source=HOSTILE * 10, source_url=urls, runbook_url=urls)
    text = incident_description(alert, urls)
    assert len(text) <= DESCRIPTION_LIMIT
    description, facts = text.split("\n\n")
    assert len(description) >= 500
    assert facts.split("\n")[1:] == [  # whole lines, or none: the runbook did not fit, the labels did
        f"Alert: {urls}",
        f"Source: {urls}",
        "Labels: alertname=DiskFull, instance=db1",
    ]
