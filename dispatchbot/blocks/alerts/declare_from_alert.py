"""The report form's prefill when someone declares an incident from an alert (issue 10, item 7).

The description goes into a plain-text input, which Slack does not parse: nothing is escaped (an
escaped `&` would show as `&amp;`), only bounded to what the form accepts.
"""

from __future__ import annotations

from itertools import islice

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts.alert_message import URL_LIMIT, seen_times
from dispatchbot.blocks.common import clip
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT

SEVERITY_NAMES = {
    Severity.CRITICAL: "Critical",
    Severity.ERROR: "High",
    Severity.WARNING: "Medium",
    Severity.INFO: "Low",
}
"""Alert severities as the default incident severities (config `[[severities]]`); a catalog without
the name falls back to its default severity where the form is built."""
LABELS_SHOWN = 20
LINE_LIMIT = 300
DESCRIPTION_ROOM = 500


def incident_severity_name(severity: Severity) -> str:
    return SEVERITY_NAMES[severity]


def incident_description(alert: Alert, permalink: str | None) -> str:
    """The alert's description, then its facts (the links first: a URL too long to use is left out,
    since a cut one leads nowhere), within what the description input accepts. Facts that do not fit
    are left out whole, so the description keeps at least `DESCRIPTION_ROOM` characters."""
    facts = [
        clip(
            f"Alert from {alert.source} ({alert.severity.value}), seen {seen_times(alert.count)}.", LINE_LIMIT
        )
    ]
    for name, url in (("Alert", permalink), ("Source", alert.source_url), ("Runbook", alert.runbook_url)):
        if url and len(url) <= URL_LIMIT:
            facts.append(f"{name}: {url}")
    if alert.labels:
        shown = ", ".join(f"{key}={value}" for key, value in islice(alert.labels.items(), LABELS_SHOWN))
        hidden = len(alert.labels) - min(len(alert.labels), LABELS_SHOWN)
        facts.append(clip(f"Labels: {shown}", 4 * LINE_LIMIT) + (f" (+{hidden} more)" if hidden else ""))
    kept: list[str] = []
    for fact in facts:  # whole lines or none: the first is short enough to fit always
        if len("\n".join([*kept, fact])) <= DESCRIPTION_LIMIT - DESCRIPTION_ROOM:
            kept.append(fact)
    tail = "\n".join(kept)
    description = alert.description.strip()
    if not description:
        return tail
    return f"{clip(description, DESCRIPTION_LIMIT - len(tail) - 2)}\n\n{tail}"
