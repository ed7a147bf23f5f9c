"""Who takes part in an incident: the participant listing and the "Update Participant" modal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.common import (
    MESSAGE_BLOCK_LIMIT,
    Message,
    context,
    header,
    incident_form,
    notice_modal,
    section,
    state_value,
    text_input,
    users_input,
)
from dispatchbot.blocks.incidents.assign_role import incident_id_from
from dispatchbot.domain import Incident, Participant, Role
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, localized, md, mention, unescape

ROLE_ORDER = (Role.COMMANDER, Role.SCRIBE, Role.LIAISON, Role.REPORTER, Role.PARTICIPANT, Role.OBSERVER)
LISTED = MESSAGE_BLOCK_LIMIT - 3  # leaves room for the header, the summary and the "and N more" note
REASON_LIMIT = 500


@dataclass(frozen=True)
class ReasonForm:
    incident_id: int
    user_id: str
    reason: str


def participant_list(incident: Incident, participants: list[Participant]) -> Message:
    """Role holders first, then by arrival; the rest are counted, so the message always fits."""
    ordered = sorted(participants, key=lambda p: (_rank(p), p.joined_at))
    shown, hidden = ordered[:LISTED], len(ordered) - LISTED
    count = f"{len(ordered)} participant{'s' if len(ordered) != 1 else ''}"
    blocks = [
        header(f"Participants of {incident.reference}"),
        context(md("{count} in *{title}*", count=count, title=incident.title)),
        *(section(_line(p)) for p in shown),
    ]
    if hidden > 0:
        blocks.append(context(md("…and {hidden} more.", hidden=hidden)))
    return md("{count} in {reference}", count=count, reference=incident.reference), blocks


def update_participant_modal(incident: Incident, caller: Participant) -> dict[str, Any]:
    blocks = [
        context(
            md(
                "Say why this person takes part in *{reference}*, so everyone knows whom to ask about what. "
                "You can change your own reason; the commander and the scribe can change anyone's.",
                reference=incident.reference,
            )
        ),
        users_input(BlockId.PERSON, "Participant", initial=[caller.user_id]),
        text_input(BlockId.REASON, "Reason", initial=unescape(caller.added_reason), max_length=REASON_LIMIT),
    ]
    return incident_form(
        CallbackId.UPDATE_PARTICIPANT, "Update Participant", blocks, incident.id, submit="Update"
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
        md(
            ":white_check_mark: {who} takes part in *{reference}* because: {reason}",
            who=mention(participant.user_id),
            reference=incident.reference,
            reason=participant.added_reason,
        ),
    )


def role_labels(roles: frozenset[Role]) -> str:
    return ", ".join(role.label for role in ROLE_ORDER if role in roles) or "No role"


def _rank(participant: Participant) -> int:
    return min((ROLE_ORDER.index(role) for role in participant.roles), default=len(ROLE_ORDER))


def _line(participant: Participant) -> Mrkdwn:
    messages = participant.message_count
    return md(
        "{who} — *{roles}*\nAdded by {added_by} · {reason}\nJoined {joined} · {messages} message{s}",
        who=mention(participant.user_id),
        roles=role_labels(participant.roles),
        added_by=mention(participant.added_by) if participant.added_by else "the bot",
        reason=participant.added_reason or "no reason given",
        joined=localized(
            participant.joined_at,
            "{date_short_pretty} {time}",
            participant.joined_at.strftime("%Y-%m-%d %H:%M UTC"),
        ),
        messages=messages,
        s="s" if messages != 1 else "",
    )
