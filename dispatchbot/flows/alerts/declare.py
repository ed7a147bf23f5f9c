"""Declaring an incident from an alert: the Declare button's prefilled report form, its submission,
`declare = "auto"` for critical alerts, and the alert's recovery told to the incident.

Every declaration from one alert is the same create-incident run, keyed by the alert: whoever declares
first (a person's form, the automatic notice, a retry of either) makes the incident, and any later
attempt joins that run, so one alert never has two incidents.
"""

from __future__ import annotations

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts.declare_from_alert import (
    incident_description,
    incident_severity_name,
    recovered_line,
)
from dispatchbot.blocks.common import clip
from dispatchbot.blocks.incidents.report_incident import TITLE_LIMIT, report_modal
from dispatchbot.deps import Deps
from dispatchbot.domain import FlowRun, IncidentDraft
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.flows import forms
from dispatchbot.flows.alerts.incident_link import alert_permalink
from dispatchbot.flows.alerts.people import duty_officers, slack_ids, users_of
from dispatchbot.flows.incidents.create_incident import CREATE_INCIDENT
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentArgs
from dispatchbot.flows.posting import ARCHIVED
from dispatchbot.ids import BlockId
from dispatchbot.logs import get_logger
from dispatchbot.services.alerts import Notice

log = get_logger(__name__)


def run_key(alert_id: int) -> str:
    return f"alert:{alert_id}"


async def open_form(deps: Deps, trigger_id: str, user_id: str, alert_id: int) -> None:
    """The report form, prefilled from the alert (what a person would otherwise copy by hand)."""
    alert = await deps.alerts.get(alert_id)
    draft = await _draft(deps, alert)
    form = report_modal(
        deps.catalog,
        title=draft.title,
        description=draft.description,
        severity=draft.severity,
        priority=draft.priority,
        alert_id=alert.id,
    )
    await forms.show(deps, trigger_id, form, user_id)


async def submit(deps: Deps, view_id: str, draft: IncidentDraft, reporter_id: str, alert_id: int) -> FlowRun:
    """Start the alert's run; a repeated submission of this form joins it, another form is refused
    (shown on its title) as the alert has its incident already."""
    args = CreateIncidentArgs(draft=draft, requested_by=reporter_id, view_id=view_id, alert_id=alert_id)
    run = await deps.runs.start(CREATE_INCIDENT, key=run_key(alert_id), args=args)
    if run.args.get("view_id") != view_id:
        raise UserFacingError("An incident was already declared from this alert.", block_id=BlockId.TITLE)
    return run


async def auto_declare(deps: Deps, alert: Alert) -> None:
    """`declare = "auto"`: declare an incident for a critical alert, once (a retried notice joins the run).

    The reporter becomes the incident's first participant and, without a role policy, its commander:
    the alert's duty officer, else the first person it notifies, else (nobody known) the bot itself."""
    if alert.incident_id is not None:
        return
    people = slack_ids([*await duty_officers(deps, alert), *await users_of(deps, alert)])
    reporter = people[0] if people else deps.identity.user_id
    args = CreateIncidentArgs(draft=await _draft(deps, alert), requested_by=reporter, alert_id=alert.id)
    await deps.runs.start(CREATE_INCIDENT, key=run_key(alert.id), args=args)


async def tell_incident_recovered(deps: Deps, alert: Alert, notice: Notice) -> None:
    """The alert's recovery, posted once to the incident declared from it (a retried notice looks for
    its marker first); a closed incident's archived channel is left alone."""
    if alert.incident_id is None:
        return
    incident = await deps.incidents.get(alert.incident_id)
    channel = incident.channel_id
    if channel is None:
        return
    marker = f"alert-notice-{notice.id}-incident"
    if notice.attempted and await deps.slack.find_message(channel, marker) is not None:
        return
    text, blocks = recovered_line(alert)
    try:
        await deps.slack.post_message(channel, text, [{**blocks[0], "block_id": marker}, *blocks[1:]])
    except ProviderError as exc:
        if exc.detail not in ARCHIVED:
            raise
        log.info("alerts.incident_channel_archived", alert_id=alert.id, incident=incident.reference)


async def _draft(deps: Deps, alert: Alert) -> IncidentDraft:
    """The incident as the alert describes it: its title, its details and link, a severity named like
    the alert's (the catalog's default if it has no such name), the highest priority when critical."""
    catalog = deps.catalog
    severity = catalog.severity(incident_severity_name(alert.severity)) or catalog.default_severity
    critical = alert.severity is Severity.CRITICAL
    priority = catalog.priorities[-1] if critical else catalog.default_priority
    incident_type = catalog.default_incident_type
    return IncidentDraft(
        clip(alert.title.strip() or f"Alert from {alert.source}", TITLE_LIMIT),
        incident_description(alert, await alert_permalink(deps, alert)),
        incident_type.name,
        severity.name,
        priority.name,
        incident_type.default_visibility,
    )
