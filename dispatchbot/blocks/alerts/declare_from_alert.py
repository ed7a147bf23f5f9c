"""Declaring an incident from an alert (issue 10, item 7): the report form's prefill, and what the
incident channel is told about the alert (its details, its timeline line, its recovery).

The description goes into a plain-text input, which Slack does not parse: nothing is escaped (an
escaped `&` would show as `&amp;`), only bounded to what the form accepts. The messages are mrkdwn:
everything from the alert is escaped there, as in the alert's own message.
"""

from __future__ import annotations

from itertools import islice

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts import alert_message
from dispatchbot.blocks.alerts.alert_message import (
    TITLE_LIMIT,
    URL_LIMIT,
    label_line,
    seen_times,
    source_link,
)
from dispatchbot.blocks.common import Message, clip, context, fields, section
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT
from dispatchbot.blocks.incidents.timeline import when
from dispatchbot.mrkdwn import Mrkdwn, escape, link, md

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


def alert_details(alert: Alert, alert_link: str | None) -> Message:
    """Posted in the incident channel declared from the alert: what fired, how bad, where from, and a
    link back to the alert's message, whose thread goes on with its re-alerts and recovery."""
    title = md("Declared from alert *{title}*", title=clip(alert.title, TITLE_LIMIT))
    blocks = [section(md(":rotating_light: {title}", title=title))]
    if alert.description.strip():
        blocks.append(section(escape(clip(alert.description, alert_message.DESCRIPTION_LIMIT))))
    pairs = [
        ("Severity", escape(alert.severity.value.capitalize())),
        ("Source", source_link(alert)),
        ("Seen", escape(seen_times(alert.count).capitalize())),
    ]
    if alert_link and len(alert_link) <= URL_LIMIT:
        pairs.append(("Alert", link(alert_link, "The alert's message")))
    blocks.append(fields(pairs))
    if alert.labels:
        blocks.append(context(label_line(alert)))
    return title, blocks


def declared_event(alert: Alert) -> Mrkdwn:
    """The incident timeline's line for its start."""
    return md("Declared from alert {title}", title=clip(alert.title, TITLE_LIMIT))


def recovered_line(alert: Alert) -> Message:
    """The alert's recovery, told in the incident channel."""
    line = md(
        ":white_check_mark: Alert *{title}* recovered at {at}",
        title=clip(alert.title, TITLE_LIMIT),
        at=when(alert.resolved_at or alert.last_seen_at),
    )
    return line, [section(line)]
