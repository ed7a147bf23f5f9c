"""The direct messages of mapbox routes (M3 to M9): broadcasts, the self-service message and its Yes/No
prompt, nags, and the note left in the fallback channel when a person cannot be reached.

A mapbox message brings its own words (message, prompt, button labels, responses); all of them came
from whoever posted the alert, so they are escaped and clipped like any other outside text.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts.alert_message import NAME_LIMIT, TEXT_TITLE_LIMIT, seen_times, source_link
from dispatchbot.blocks.common import Message, buttons, clip, context, section
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, escape, md

MESSAGE_LIMIT = 2500
DEFAULT_PROMPT = "Was this you?"


def broadcast_dm(alert: Alert) -> Message:
    """One DM per user of a broadcast (M6): the message, no buttons."""
    return _said(alert)


def self_service_message(alert: Alert) -> Message:
    """The first of the two self-service DMs (M3): what happened, before the question."""
    return _said(alert)


def nag_dm(alert: Alert) -> Message:
    """A nag (M7): sent on every repeat, and says how often it has come."""
    times = seen_times(alert.count)
    text = md(":bell: Reminder (seen {times}): {said}", times=times, said=_short(alert))
    return text, [section(md(":bell: *Reminder* (seen {times})", times=times)), *_body(alert)]


def self_service_prompt(alert: Alert) -> Message:
    """The question, with Yes and No labelled as the message asks (M3); only `users[0]` gets it."""
    yes, no = _labels(alert)
    prompt = _prompt(alert)
    value = str(alert.id)
    return prompt, [
        section(prompt),
        buttons((yes, ActionId.ALERT_PROMPT_YES, value), (no, ActionId.ALERT_PROMPT_NO, value)),
    ]


def answer_text(alert: Alert, *, yes: bool) -> str:
    """`Yes, me — acknowledged`: the button's label and the message's response to it (M4, M5)."""
    yes_label, no_label = _labels(alert)
    mapbox = alert.mapbox
    if yes:
        return f"{yes_label} — {mapbox.yes_response if mapbox else 'acknowledged'}"
    return f"{no_label} — {mapbox.no_response if mapbox else 'escalated'}"


def prompt_answered(alert: Alert, answer_text: str) -> Message:
    """The prompt once answered, edited in place: the question kept, the buttons gone."""
    answered = md(":ballot_box_with_check: You answered: {answer}", answer=clip(answer_text, MESSAGE_LIMIT))
    return answered, [section(_prompt(alert)), context(answered)]


def fallback_note(alert: Alert, who: str, reason: str) -> Message:
    """In the fallback channel when `who` cannot be reached (M9): the note and the message, never the
    prompt or its buttons (anyone there could answer for them)."""
    note = md(
        ":warning: Could not reach {who} in Slack: {reason}",
        who=clip(who, NAME_LIMIT),
        reason=clip(reason, NAME_LIMIT * 3),
    )
    return note, [section(note), *_body(alert)]


def _said(alert: Alert) -> Message:
    return _short(alert), _body(alert)


def _body(alert: Alert) -> list[dict[str, Any]]:
    """The message (or the title, when it has none), and where it came from."""
    return [
        section(escape(clip(_message(alert), MESSAGE_LIMIT))),
        context(
            md("From {source}: {title}", source=source_link(alert), title=clip(alert.title, TEXT_TITLE_LIMIT))
        ),
    ]


def _short(alert: Alert) -> Mrkdwn:
    return escape(clip(_message(alert), TEXT_TITLE_LIMIT))


def _message(alert: Alert) -> str:
    return (alert.mapbox.message if alert.mapbox else "") or alert.title


def _prompt(alert: Alert) -> Mrkdwn:
    return escape(clip((alert.mapbox.prompt if alert.mapbox else "") or DEFAULT_PROMPT, MESSAGE_LIMIT))


def _labels(alert: Alert) -> tuple[str, str]:
    mapbox = alert.mapbox
    if mapbox is None:
        return "Yes", "No"
    return mapbox.yes_label or "Yes", mapbox.no_label or "No"
