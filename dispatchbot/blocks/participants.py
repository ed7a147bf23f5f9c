"""Who takes part in an incident: the participant listing and the "Update Participant" modal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.assign_role import incident_id_from
from dispatchbot.blocks.common import (
    MESSAGE_BLOCK_LIMIT,
    context,
    header,
    modal,
    notice_modal,
    section,
    state_value,
    text_input,
    users_input,
)
from dispatchbot.domain import Incident, Participant, Role
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId

ROLE_ORDER = (Role.COMMANDER, Role.SCRIBE, Role.LIAISON, Role.REPORTER, Role.PARTICIPANT, Role.OBSERVER)
LISTED = MESSAGE_BLOCK_LIMIT - 3  # leaves room for the header, the summary and the "and N more" note
REASON_LIMIT = 500


@dataclass(frozen=True)
class ReasonForm:
    incident_id: int
    user_id: str
    reason: str


def participant_list(incident: Incident, participants: list[Participant]) -> tuple[str, list[dict[str, Any]]]:
    """Role holders first, then by arrival; the rest are counted, so the message always fits."""
    ordered = sorted(participants, key=lambda p: (_rank(p), p.joined_at))
    shown, hidden = ordered[:LISTED], len(ordered) - LISTED
    count = f"{len(ordered)} participant{'s' if len(ordered) != 1 else ''}"
    blocks = [
        header(f"Participants of {incident.reference}"),
        context(f"{count} in *{incident.title}*"),
        *(section(_line(p)) for p in shown),
    ]
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more."))
    return f"{count} in {incident.reference}", blocks


def update_participant_modal(incident: Incident, caller: Participant) -> dict[str, Any]:
    blocks = [
        context(
            f"Say why this person takes part in *{incident.reference}*, so everyone knows whom to ask "
            "about what. You can change your own reason; the commander and the scribe can change anyone's."
        ),
        users_input(BlockId.PERSON, "Participant", initial=[caller.user_id]),
        text_input(BlockId.REASON, "Reason", initial=caller.added_reason, max_length=REASON_LIMIT),
    ]
    return modal(
        CallbackId.UPDATE_PARTICIPANT,
        "Update Participant",
        blocks,
        submit="Update",
        private_metadata=str(incident.id),
    )


def read_reason_form(view: dict[str, Any]) -> ReasonForm:
    values = view["state"]["values"]
    user_id = state_value(values, BlockId.PERSON)
    reason = str(state_value(values, BlockId.REASON)).strip()
    errors: dict[str, str] = {}
    if not user_id:
        errors[BlockId.PERSON] = "Choose the participant."
    if not reason:
        errors[BlockId.REASON] = "Say in a few words why they take part."
    elif len(reason) > REASON_LIMIT:
        errors[BlockId.REASON] = f"Keep the reason within {REASON_LIMIT} characters (it has {len(reason)})."
    if errors:
        raise InvalidForm(errors)
    return ReasonForm(incident_id_from(view), str(user_id), reason)


def reason_updated_modal(incident: Incident, participant: Participant) -> dict[str, Any]:
    return notice_modal(
        "Update Participant",
        f":white_check_mark: <@{participant.user_id}> takes part in *{incident.reference}* because: "
        f"{participant.added_reason}",
    )


def role_labels(roles: frozenset[Role]) -> str:
    return ", ".join(role.label for role in ROLE_ORDER if role in roles) or "No role"


def _rank(participant: Participant) -> int:
    return min((ROLE_ORDER.index(role) for role in participant.roles), default=len(ROLE_ORDER))


def _line(participant: Participant) -> str:
    joined = int(participant.joined_at.timestamp())
    fallback = participant.joined_at.strftime("%Y-%m-%d %H:%M UTC")
    added_by = f"<@{participant.added_by}>" if participant.added_by else "the bot"
    messages = participant.message_count
    return (
        f"<@{participant.user_id}> — *{role_labels(participant.roles)}*\n"
        f"Added by {added_by} · {participant.added_reason or 'no reason given'}\n"
        f"Joined <!date^{joined}^{{date_short_pretty}} {{time}}|{fallback}> · "
        f"{messages} message{'s' if messages != 1 else ''}"
    )
