"""The notifications-group modal and its parser: people, channels and email addresses told about updates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.common import (
    channels_input,
    context,
    incident_form,
    notice_modal,
    state_value,
    text_input,
    users_input,
)
from dispatchbot.domain import Incident
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import md

EMAILS_LIMIT = 3000
MAX_EMAILS = 100
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class GroupForm:
    users: list[str]
    channels: list[str]
    emails: list[str]


def group_modal(incident: Incident, current: GroupForm) -> dict[str, Any]:
    """Prefilled with the group as it is, so saving without changes changes nothing."""
    note = (
        "This incident is restricted: only its participants can be notified."
        if incident.restricted
        else "People get a DM and channels a message for every update of the incident."
    )
    blocks = [
        context(
            md("Who is told about updates of *{reference}*. {note}", reference=incident.reference, note=note)
        ),
        users_input(BlockId.MEMBERS, "People", multi=True, initial=current.users, optional=True),
        channels_input(BlockId.CHANNELS, "Channels", initial=current.channels, optional=True),
        text_input(
            BlockId.EMAILS,
            "Emails",
            initial=", ".join(current.emails),
            multiline=True,
            max_length=EMAILS_LIMIT,
            placeholder="ops@example.com, execs@example.com",
            optional=True,
        ),
        context(md("Separate email addresses with commas. They are kept for email notifications.")),
    ]
    return incident_form(
        CallbackId.NOTIFICATIONS_GROUP, "Notifications Group", blocks, incident.id, submit="Save"
    )


def read_group_form(values: dict[str, Any]) -> GroupForm:
    """The submitted group, or `InvalidForm` naming the first address that is not one."""
    emails = [entry for entry in SEPARATORS.split(str(state_value(values, BlockId.EMAILS))) if entry]
    wrong = next((entry for entry in emails if not EMAIL.match(entry)), None)
    if wrong is not None:
        raise InvalidForm(
            {BlockId.EMAILS: f"“{wrong}” is not an email address. Separate addresses with commas."}
        )
    if len(emails) > MAX_EMAILS:
        raise InvalidForm(
            {BlockId.EMAILS: f"At most {MAX_EMAILS} addresses, please (there are {len(emails)})."}
        )
    return GroupForm(
        users=list(dict.fromkeys(state_value(values, BlockId.MEMBERS))),
        channels=list(dict.fromkeys(state_value(values, BlockId.CHANNELS))),
        emails=list(dict.fromkeys(email.lower() for email in emails)),
    )


def saved_modal(incident: Incident, group: GroupForm) -> dict[str, Any]:
    counts = [
        _count(len(group.users), "person", "people"),
        _count(len(group.channels), "channel", "channels"),
        _count(len(group.emails), "email address", "email addresses"),
    ]
    return notice_modal(
        "Notifications Group",
        md(
            ":white_check_mark: Saved. {reference} notifies {counts}.",
            reference=incident.reference,
            counts=", ".join(counts),
        ),
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
