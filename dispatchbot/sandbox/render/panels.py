"""The alerts and pager panels as HTML fragments: real buttons with their text, labelled regions.

The alerts panel lists the sample alerts (`sandbox.samples`), one button each; the pager panel lists
the PagerDuty fake's incidents, newest first, with Acknowledge and Resolve for the ones still open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from dispatchbot.sandbox.samples import Sample
from dispatchbot.testing.pagerduty import FakePdIncident

ACTIONS = {"triggered": ("acknowledge", "resolve"), "acknowledged": ("resolve",), "resolved": ()}


def alerts(samples: Mapping[str, Sample], source: str) -> str:
    buttons = "".join(
        f'<li><button type="button" data-sample="{escape(name)}">{escape(sample.label)}</button></li>'
        for name, sample in samples.items()
    )
    return (
        '<section class="panel" aria-labelledby="alerts-panel-title">'
        '<h2 id="alerts-panel-title">Send a sample alert</h2>'
        f"<p>To the bot's <code>POST /alerts/{escape(source)}</code>.</p>"
        f'<ul class="panel-list">{buttons}</ul>'
        '<p class="panel-result" role="status" aria-live="polite"></p>'
        "</section>"
    )


def pager(incidents: Sequence[FakePdIncident] | None, names: Mapping[str, str]) -> str:
    """``names`` maps an email to the person's name; None: the sandbox runs without PagerDuty."""
    title = '<h2 id="pager-panel-title">PagerDuty</h2>'
    if incidents is None:
        body = "<p>PagerDuty is not running in this sandbox (see the sandbox's start-up output).</p>"
    elif not incidents:
        body = "<p>No pages yet. Engage the on-call from an incident channel, or report a High incident.</p>"
    else:
        body = f'<ul class="panel-list">{"".join(_incident(i, names) for i in reversed(incidents))}</ul>'
    return (
        f'<section class="panel" aria-labelledby="pager-panel-title">{title}{body}'
        '<p class="panel-result" role="status" aria-live="polite"></p></section>'
    )


def _incident(incident: FakePdIncident, names: Mapping[str, str]) -> str:
    def who(email: str | None) -> str:
        return escape(names.get(email or "", email or "nobody"))

    state = escape(incident.status)
    if incident.status == "acknowledged":
        state += f" by {who(incident.acknowledged_by)}"
    buttons = "".join(
        f'<button type="button" data-incident="{escape(incident.id)}" data-action="{action}" '
        f'aria-label="{action.capitalize()} #{incident.number}">{action.capitalize()}</button>'
        for action in ACTIONS.get(incident.status, ())
    )
    return (
        f'<li data-pd-incident="{escape(incident.id)}"><strong>#{incident.number}</strong> '
        f"{escape(incident.title)} <span>({state}; assigned to {who(incident.assignee_email)})</span> "
        f"{buttons}</li>"
    )
