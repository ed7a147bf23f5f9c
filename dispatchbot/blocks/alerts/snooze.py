"""The snooze form (Dispatch's snooze filter): how long, and optionally only the alerts whose entities
match the case's first alert's; and the line said where the snooze starts and ends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatchbot.alerting.snoozes import SNOOZE_CHOICES
from dispatchbot.blocks.common import Message, clip, modal, option, section, select_input, state_value
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import md, mention

NAME_LIMIT = 80
ENTITY_SHOWN = 75
"""Characters of an entity value in a checkbox label (Slack allows 75 in an option's text)."""


@dataclass(frozen=True)
class SnoozeForm:
    """A submitted snooze form: from a case (`case_id`), or from `/dispatch-list-signals` in `channel`."""

    signal: str
    case_id: int | None
    expires: str
    """A `SNOOZE_CHOICES` label."""
    entities: dict[str, str]
    channel: str | None = None


def snooze_modal(
    signal: str, entities: Mapping[str, str], case_id: int | None, channel: str | None = None
) -> dict[str, Any]:
    """For `signal`; `entities` are the values a snooze may be narrowed to (the case's first alert's);
    `channel` where it was asked for outside a case (it is said there)."""
    blocks: list[dict[str, Any]] = [
        section(
            md(
                "New alerts of *{signal}* are stored and counted, not announced.",
                signal=clip(signal, NAME_LIMIT),
            )
        ),
        select_input(BlockId.EXPIRES, "For", [(label, label) for label in SNOOZE_CHOICES]),
    ]
    if entities:
        choices = [
            option(f"{name} = {value}"[:ENTITY_SHOWN], name) for name, value in list(entities.items())[:10]
        ]
        element = {"type": "checkboxes", "action_id": BlockId.ENTITIES, "options": choices}
        blocks.append(
            {
                "type": "input",
                "block_id": BlockId.ENTITIES,
                "optional": True,
                "label": {"type": "plain_text", "text": "Only alerts where (none: all of them)"},
                "element": element,
            }
        )
    metadata = json.dumps({"signal": signal, "case": case_id, "entities": dict(entities), "channel": channel})
    return modal(
        CallbackId.SNOOZE_SIGNAL, "Snooze signal", blocks, submit="Snooze", private_metadata=metadata
    )


def read_snooze_form(view: Mapping[str, Any]) -> SnoozeForm:
    """The submitted form; a tampered one reads as a missing signal."""
    try:
        context = json.loads(view.get("private_metadata", ""))
        signal, case_id, offered = str(context["signal"]), context["case"], dict(context["entities"])
        channel = context.get("channel")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NotFound("That signal does not exist.") from None
    values = view["state"]["values"]
    expires = state_value(values, BlockId.EXPIRES)
    if expires not in SNOOZE_CHOICES:
        raise InvalidForm({BlockId.EXPIRES.value: "Choose how long."})
    picked = ((values.get(BlockId.ENTITIES) or {}).get(BlockId.ENTITIES) or {}).get("selected_options") or []
    names = {str(choice.get("value")) for choice in picked}
    entities = {name: str(value) for name, value in offered.items() if name in names}
    return SnoozeForm(
        signal,
        case_id if isinstance(case_id, int) else None,
        str(expires),
        entities,
        channel if isinstance(channel, str) else None,
    )


def snooze_detail(signal: str, entities: Mapping[str, str], until: datetime) -> str:
    """Plain words for the timeline (escaped where shown): what is snoozed, until when (UTC)."""
    narrowed = ", ".join(f"{name} = {value}" for name, value in entities.items())
    scope = f" where {narrowed}" if narrowed else ""
    return f"{signal}{scope} until {until:%Y-%m-%d %H:%M} UTC"


def snoozed_note(user_id: str, detail: str) -> Message:
    """Said in the channel where a snooze was made outside a case."""
    line = md(
        ":zzz: {who} snoozed {detail}", who=mention(clip(user_id, NAME_LIMIT)), detail=clip(detail, 500)
    )
    return line, [section(line)]


def snooze_ended_note(detail: str) -> Message:
    """Said in the signal's channel when a snooze whose case is gone ends."""
    line = md(":alarm_clock: Snooze ended: {detail}", detail=clip(detail, 500))
    return line, [section(line)]
