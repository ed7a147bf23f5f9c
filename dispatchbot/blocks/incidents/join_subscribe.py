"""What Join and Subscribe answer: one short ephemeral sentence each, naming the incident."""

from __future__ import annotations

from dispatchbot.domain import Incident
from dispatchbot.mrkdwn import Mrkdwn, channel, md, mention


def joined(incident: Incident) -> Mrkdwn:
    return md(":white_check_mark: You're in: {channel} ({reference}).", **_names(incident))


def already_in(incident: Incident) -> Mrkdwn:
    return md("You are already in {channel} ({reference}).", **_names(incident))


def subscribed(incident: Incident) -> Mrkdwn:
    return md(":bell: You will get a DM for every update of {reference}.", reference=incident.reference)


def already_subscribed(incident: Incident) -> Mrkdwn:
    return md(
        "You are already subscribed to {reference}: every update comes to you as a DM.",
        reference=incident.reference,
    )


def closed(incident: Incident) -> Mrkdwn:
    return md(
        "{reference} is closed, so there is nothing to join or follow any more.", reference=incident.reference
    )


def restricted(incident: Incident) -> Mrkdwn:
    return md(
        "{reference} is restricted: its updates stay in {channel}, so there is nothing to subscribe to.",
        **_names(incident),
    )


def not_ready(incident: Incident) -> Mrkdwn:
    return md("{reference} is still being set up. Try again in a moment.", reference=incident.reference)


def invite_failed(incident: Incident) -> Mrkdwn:
    return md(
        "Slack did not let me add you to {reference}'s channel. Try again, or ask {commander} to add you.",
        reference=incident.reference,
        commander=mention(incident.commander_id),
    )


def _names(incident: Incident) -> dict[str, object]:
    return {"reference": incident.reference, "channel": channel(incident.channel_id or "")}
