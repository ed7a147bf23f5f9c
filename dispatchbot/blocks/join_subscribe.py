"""What Join and Subscribe answer: one short ephemeral sentence each, naming the incident."""

from __future__ import annotations

from dispatchbot.domain import Incident


def joined(incident: Incident) -> str:
    return f":white_check_mark: You're in: <#{incident.channel_id}> ({incident.reference})."


def already_in(incident: Incident) -> str:
    return f"You are already in <#{incident.channel_id}> ({incident.reference})."


def subscribed(incident: Incident) -> str:
    return f":bell: You will get a DM for every update of {incident.reference}."


def already_subscribed(incident: Incident) -> str:
    return f"You are already subscribed to {incident.reference}: every update comes to you as a DM."


def closed(incident: Incident) -> str:
    return f"{incident.reference} is closed, so there is nothing to join or follow any more."


def restricted(incident: Incident) -> str:
    return (
        f"{incident.reference} is restricted: its updates stay in <#{incident.channel_id}>, "
        "so there is nothing to subscribe to."
    )


def not_ready(incident: Incident) -> str:
    return f"{incident.reference} is still being set up. Try again in a moment."


def invite_failed(incident: Incident) -> str:
    return (
        f"Slack did not let me add you to {incident.reference}'s channel. Try again, "
        f"or ask <@{incident.commander_id}> to add you."
    )
