"""The "Assign Role" modal, its parser, and what the channel is told when a role changes hands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.common import (
    Message,
    context,
    incident_form,
    notice_modal,
    section,
    select_input,
    state_value,
    users_input,
)
from dispatchbot.domain import Incident, Role
from dispatchbot.errors import InvalidForm, UserFacingError
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import md, mention

ASSIGNABLE_ROLES = (Role.COMMANDER, Role.SCRIBE, Role.LIAISON, Role.REPORTER, Role.OBSERVER)
"""Participant is earned by taking part (see channel events), so it is not handed out here."""

STALE_FORM_TEXT = "This form no longer matches an incident. Open it again from the incident channel."


@dataclass(frozen=True)
class RoleForm:
    incident_id: int
    user_id: str
    role: Role


def assign_role_modal(incident: Incident) -> dict[str, Any]:
    blocks = [
        context(
            md(
                "Give someone a role in *{reference}*. They are invited to the channel if they are "
                "not in it yet. Commander, scribe, liaison and reporter are held by one person at a time: "
                "whoever holds the role now steps down.",
                reference=incident.reference,
            )
        ),
        users_input(BlockId.PERSON, "Person"),
        select_input(BlockId.ROLE, "Role", [(role.label, role.value) for role in ASSIGNABLE_ROLES]),
    ]
    return incident_form(CallbackId.ASSIGN_ROLE, "Assign Role", blocks, incident.id, submit="Assign")


def read_assign_role_form(view: dict[str, Any]) -> RoleForm:
    """The submitted choice, or `InvalidForm` naming the field to fix."""
    values = view["state"]["values"]
    user_id = state_value(values, BlockId.PERSON)
    role_value = state_value(values, BlockId.ROLE)
    errors: dict[str, str] = {}
    if not user_id:
        errors[BlockId.PERSON] = "Choose the person who takes the role."
    if role_value not in {role.value for role in ASSIGNABLE_ROLES}:
        errors[BlockId.ROLE] = "Choose one of the roles."
    if errors:
        raise InvalidForm(errors)
    return RoleForm(incident_id_from(view), str(user_id), Role(role_value))


def incident_id_from(view: dict[str, Any]) -> int:
    """The incident a modal was opened for (kept in private_metadata, never trusted beyond an id)."""
    try:
        return int(view.get("private_metadata") or "")
    except ValueError:
        raise UserFacingError(STALE_FORM_TEXT) from None


def role_assigned(assigner_id: str, user_id: str, role: Role, previous: str | None) -> Message:
    text = md(
        "{assigner} assigned {role} to {who}.",
        assigner=mention(assigner_id),
        role=role.label,
        who=mention(user_id),
    )
    if previous:
        text = md(
            "{text} {previous} stepped down as {role}.",
            text=text,
            previous=mention(previous),
            role=role.label,
        )
    return text, [section(md(":busts_in_silhouette: {text}", text=text))]


def assigning_modal(incident: Incident, user_id: str, role: Role) -> dict[str, Any]:
    return notice_modal(
        "Assign Role",
        md(
            ":white_check_mark: {who} is becoming {role} of *{reference}*; the channel will be told.",
            who=mention(user_id),
            role=role.label,
            reference=incident.reference,
        ),
    )


def nothing_to_do_modal(
    incident: Incident, user_id: str, role: Role, roles: frozenset[Role]
) -> dict[str, Any]:
    """The answer when the person already holds the role: no second announcement, no noise."""
    held = ", ".join(r.label for r in (*ASSIGNABLE_ROLES, Role.PARTICIPANT) if r in roles)
    if role in roles:
        text = md(
            "{who} is already {role} of *{reference}*. Nothing changed.",
            who=mention(user_id),
            role=role.label,
            reference=incident.reference,
        )
    else:
        text = md(
            "{who} already takes part in *{reference}* as {held}; making them {role} would change nothing.",
            who=mention(user_id),
            reference=incident.reference,
            held=held,
            role=role.label,
        )
    return notice_modal("Assign Role", text)
