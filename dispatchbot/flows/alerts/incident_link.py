"""The create-incident run's part for an incident declared from an alert: link the two, once.

One action of the run's announce step (recorded when it succeeds, so it runs once), each part of it
idempotent for a retry after a failure or a crash: the alert records the incident only if it does
not yet, the posts go through `post_once`, the timeline event has a source key.
"""

from __future__ import annotations

from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts.alert_message import declared_reply
from dispatchbot.blocks.alerts.declare_from_alert import alert_details, declared_event
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident
from dispatchbot.errors import ProviderError
from dispatchbot.flows import posting
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentContext

EVENT_KIND = "declared_from_alert"


async def link(ctx: CreateIncidentContext, incident: Incident, alert_id: int) -> None:
    """The alert shows the incident channel (its message is edited once its version moved) and its
    thread says so; the incident channel gets the alert's details, its timeline the start."""
    deps = ctx.deps
    channel = incident.channel_id
    assert channel is not None  # created by the channel step
    alert = await deps.alerts.get(alert_id)
    if alert.incident_id != incident.id:
        await deps.alerts.record(
            alert.id, action="declared", detail=incident.reference, incident_id=incident.id
        )
        deps.alerts.work_written()  # wakes delivery, which edits the alert's message
    alert_channel = await deps.slack.channel_id_for(alert.channel) if alert.channel else None
    permalink = await alert_permalink(deps, alert)
    await posting.post_once(ctx, "alert_details", channel, alert_details(alert, permalink))
    await deps.incidents.add_event(
        incident.id,
        EVENT_KIND,
        declared_event(alert),
        ctx.args.requested_by,
        f"alert:{alert.id}",
        details={"alert_id": alert.id},
    )
    if alert_channel and alert.message_ts and not incident.restricted:
        await posting.post_once(
            ctx, "alert_declared", alert_channel, declared_reply(alert, channel), thread_ts=alert.message_ts
        )


async def alert_permalink(deps: Deps, alert: Alert) -> str | None:
    """A link to the alert's message, if it has one Slack can link to."""
    channel = await deps.slack.channel_id_for(alert.channel) if alert.channel else None
    if channel is None or alert.message_ts is None:
        return None
    try:
        return await deps.slack.permalink(channel, alert.message_ts)
    except ProviderError:
        return None
