"""Engagement (issue 11, item 6): the direct message asking the person a case's alert is about to
confirm or deny it, the form that takes their context, and the message once they answered.

The case's title and description came from an alert, so from whoever can POST to the bot: escaped and
clipped like the case message's. The form carries the case and the prompt it was opened from in its
private_metadata, so the submission can edit that prompt; anything unreadable there reads as a case
that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts.alert_message import TEXT_TITLE_LIMIT, TITLE_LIMIT
from dispatchbot.blocks.alerts.case_message import DESCRIPTION_LIMIT, RESOLUTION_LIMIT, RESOLUTION_SHOWN
from dispatchbot.blocks.common import Message, buttons, clip, context, modal, section, state_value, text_input
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, md

QUESTION = Mrkdwn("*Was this you, or expected?* *Confirm* closes the case; *Deny* sends it to the team.")


@dataclass(frozen=True)
class EngagementAnswer:
    """A submitted answer: the case, Confirm or Deny, their words, and the prompt to edit (when known)."""

    case_id: int
    confirmed: bool
    context: str
    prompt_channel: str = ""
    prompt_ts: str = ""


def engagement_prompt(case: Case, case_channel: str) -> Message:
    """The question: what the case is, where it is discussed (`case_channel`, an id), and the buttons."""
    text = md("{name}: {title} · was this you?", name=case.name, title=clip(case.title, TEXT_TITLE_LIMIT))
    value = str(case.id)
    return text, [
        *_about(case),
        context(md("Discussed in {where}.", where=channel(case_channel))),
        section(QUESTION),
        buttons(("Confirm", ActionId.CONFIRM_ENGAGEMENT, value), ("Deny", ActionId.DENY_ENGAGEMENT, value)),
    ]


def engagement_answered(case: Case, answer: EngagementAnswer) -> Message:
    """The prompt once answered, edited in place: the case kept, the buttons gone, their answer shown."""
    said = clip(answer.context, RESOLUTION_SHOWN)
    if answer.confirmed:
        answered = md(":ballot_box_with_check: You confirmed {name}.", name=case.name)
    else:
        answered = md(":ballot_box_with_check: You denied {name}: the team looks at it.", name=case.name)
    if said:
        answered = md("{answered} You said: {said}", answered=answered, said=said)
    return answered, [*_about(case), context(answered)]


def _about(case: Case) -> list[dict[str, Any]]:
    blocks = [
        section(
            md(
                ":wave: An alert about you opened *{name}* · {title}",
                name=case.name,
                title=clip(case.title, TITLE_LIMIT),
            )
        )
    ]
    if case.description:
        blocks.append(section(escape(clip(case.description, DESCRIPTION_LIMIT))))
    return blocks


def answer_modal(
    case: Case, *, confirmed: bool, prompt_channel: str = "", prompt_ts: str = ""
) -> dict[str, Any]:
    """Their context: optional to confirm, required to deny (the team starts from it)."""
    verb = "Confirm" if confirmed else "Deny"
    if confirmed:
        explained = md("Confirming closes *{name}* as User Acknowledged.", name=case.name)
    else:
        explained = md("Denying moves *{name}* to Triage for the team to look at.", name=case.name)
    blocks = [
        section(md("*{name}* · {title}", name=case.name, title=clip(case.title, TITLE_LIMIT))),
        section(explained),
        text_input(
            BlockId.CONTEXT,
            "Anything to add?" if confirmed else "What do you know about it?",
            multiline=True,
            max_length=RESOLUTION_LIMIT,
            optional=confirmed,
            placeholder="What happened, as far as you know",
        ),
    ]
    metadata = {"case": case.id, "confirmed": confirmed, "channel": prompt_channel, "ts": prompt_ts}
    return modal(
        CallbackId.ANSWER_ENGAGEMENT, verb, blocks, submit=verb, private_metadata=json.dumps(metadata)
    )


def read_answer_form(view: Mapping[str, Any]) -> EngagementAnswer:
    """The answer from a submitted `answer_modal`, or `InvalidForm` when a denial says nothing."""
    try:
        metadata = json.loads(view.get("private_metadata") or "")
        case_id, confirmed = int(metadata["case"]), metadata["confirmed"] is True
        prompt = str(metadata.get("channel") or ""), str(metadata.get("ts") or "")
    except (ValueError, TypeError, KeyError, AttributeError):
        raise NotFound("That case does not exist or is not visible to you.") from None
    said = str(state_value(view["state"]["values"], BlockId.CONTEXT)).strip()
    if not confirmed and not said:
        raise InvalidForm({BlockId.CONTEXT.value: "Say what you know about it: the team starts from it."})
    return EngagementAnswer(case_id, confirmed, said, *prompt)
