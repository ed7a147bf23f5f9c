"""Declaring an incident from an alert: the report form's prefill, and what the incident channel is told."""

from __future__ import annotations

import pytest

from dispatchbot.alert_formats.model import Severity
from dispatchbot.blocks.alerts.declare_from_alert import (
    alert_details,
    declared_event,
    incident_description,
    incident_severity_name,
    recovered_line,
)
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT, read_alert_id, report_modal
from dispatchbot.config.sections import DEFAULT_SEVERITIES
from dispatchbot.ids import BlockId
from tests.blocks import samples as incident_samples
from tests.blocks.alerts import samples
from tests.blocks.alerts.samples import PERMALINK, RUNBOOK_URL, SOURCE_URL
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.state import elements
from tests.blocks.texts import mrkdwn
from tests.support.escaping import HOSTILE


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


def test_the_form_opens_prefilled_and_names_its_alert() -> None:
    catalog = incident_samples.catalog("Outage", "Degraded")
    view = valid_view(
        report_modal(
            catalog, title="Disk full", description="d", severity="Degraded", priority="Nope", alert_id=7
        )
    )
    inputs = elements(view)
    assert inputs[BlockId.TITLE]["initial_value"] == "Disk full"
    assert inputs[BlockId.SEVERITY]["initial_option"]["value"] == "Degraded"
    assert inputs[BlockId.PRIORITY]["initial_option"]["value"] == "Outage"  # unknown: the default
    assert read_alert_id(view) == 7
    assert read_alert_id(report_modal(catalog)) is None
    assert read_alert_id({"private_metadata": "alert:x"}) is None


def test_the_incident_channel_gets_the_alerts_details() -> None:
    message = alert_details(samples.alert(count=3), PERMALINK)
    valid_message(message)
    assert message[0] == "Declared from alert *Disk 95% on db1*"
    shown = "\n".join(mrkdwn(message))
    assert "The data volume of db1 is almost full." in shown
    assert "*Severity*\nCritical" in shown
    assert f"<{SOURCE_URL.replace('&', '&amp;')}|prometheus>" in shown
    assert "*Seen*\n3 times" in shown
    assert f"<{PERMALINK}|The alert's message>" in shown
    assert "alertname=DiskFull · instance=db1" in shown


def test_details_without_a_description_labels_or_link() -> None:
    blocks = valid_message(alert_details(samples.alert(description=" ", labels={}), None))
    assert [block["type"] for block in blocks] == ["section", "section"]
    assert "*Alert*" not in "\n".join(mrkdwn(blocks))


def test_the_timeline_and_the_recovery_name_the_alert_escaped() -> None:
    alert = samples.alert(title="<!channel> disk & co")
    assert declared_event(alert) == "Declared from alert &lt;!channel&gt; disk &amp; co"
    message = recovered_line(alert)
    valid_message(message)
    assert message[0].startswith(
        ":white_check_mark: Alert *&lt;!channel&gt; disk &amp; co* recovered at <!date^"
    )
