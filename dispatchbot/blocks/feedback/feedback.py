"""Feedback in Slack: the closed-incident request DM, its modal and thank-you, the commanders' daily
digest, and the on-call shift request DM, its modal and thank-you.

Pure: plain values in, Block Kit out; view state in, typed form out. The rating and effort scales live
here because they are what people choose from; storage keeps their values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dispatchbot.blocks.common import (
    MESSAGE_BLOCK_LIMIT,
    Message,
    buttons,
    clip,
    context,
    header,
    modal,
    option,
    plain,
    section,
    select_input,
    state_value,
    text_input,
)
from dispatchbot.blocks.tasks.tasks import when
from dispatchbot.domain import Incident
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, escape, md, mention

RATINGS = (
    ("very_satisfied", "Very satisfied"),
    ("somewhat_satisfied", "Somewhat satisfied"),
    ("neutral", "Neither satisfied nor dissatisfied"),
    ("somewhat_dissatisfied", "Somewhat dissatisfied"),
    ("very_dissatisfied", "Very dissatisfied"),
)
"""Dispatch's scale, best first, as (stored value, label)."""

EFFORTS = (
    ("none", "No effort"),
    ("little", "Little effort"),
    ("moderate", "Moderate effort"),
    ("lots", "Lots of effort"),
    ("most", "Most of my effort"),
    ("extreme", "Extreme effort, everything I could give"),
)
"""Dispatch's six-step scale of the mental and emotional effort a shift took, as (value, label)."""

TEXT_LIMIT = 3000
DIGEST_TEXT_LIMIT = 1500
"""A digest entry's feedback is clipped here (once escaped), so one entry always fits a section with its
labels and its author."""
DIGEST_ENTRIES = MESSAGE_BLOCK_LIMIT - 3  # header, intro and the "more" note
ANONYMOUS_OPTION = "anonymous"
NO_COMMENT = Mrkdwn("_No comment._")


@dataclass(frozen=True)
class FeedbackForm:
    rating: str
    text: str
    anonymous: bool


@dataclass(frozen=True)
class ShiftFeedbackForm:
    effort: str
    hours: float
    text: str
    anonymous: bool


@dataclass(frozen=True)
class ShiftSummary:
    """The shift a request is about, as its DM and modal describe it."""

    request_id: int
    service: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class DigestEntry:
    """One answer in a commander's digest; `author` is None when the person asked to stay anonymous."""

    incident: Incident
    rating: str
    text: str
    author: str | None


@dataclass(frozen=True)
class Surface:
    """Where the request DM is (the modal carries it, so the submission can thank in place)."""

    channel: str
    ts: str


# ------------------------------------------------------------------ incident feedback


def feedback_request(incident: Incident) -> Message:
    """The DM each participant gets when the incident closes."""
    text = md("How did this incident go? {reference} is closed.", reference=incident.reference)
    return text, [
        section(
            md(
                "*{reference}* ({title}) is closed. *How did this incident go?*\n"
                "Your rating and a few words help us get better at responding to incidents.",
                reference=incident.reference,
                title=clip(incident.title, 200),
            )
        ),
        buttons(("Provide feedback", ActionId.PROVIDE_FEEDBACK, str(incident.id))),
    ]


def feedback_thanks(incident: Incident, form: FeedbackForm) -> Message:
    """The request DM once answered: it says thanks and still lets the person change the answer."""
    shown = "anonymously" if form.anonymous else "with your name"
    text = md("Thanks for your feedback on {reference}!", reference=incident.reference)
    return text, [
        section(
            md(
                ":pray: Thanks for your feedback on *{reference}* ({title})! "
                "You rated it *{rating}*, shared {shown}.",
                reference=incident.reference,
                title=clip(incident.title, 200),
                rating=rating_label(form.rating),
                shown=shown,
            )
        ),
        buttons(("Change my answer", ActionId.PROVIDE_FEEDBACK, str(incident.id))),
    ]


def feedback_modal(
    incident: Incident, previous: FeedbackForm | None, surface: Surface | None
) -> dict[str, Any]:
    """The rating form, prefilled with the person's earlier answer when there is one."""
    blocks = [
        context(md("*{reference}*: {title}", reference=incident.reference, title=clip(incident.title, 500))),
        select_input(
            BlockId.RATING,
            "Rate your experience",
            _choices(RATINGS),
            initial=previous.rating if previous else None,
        ),
        text_input(
            BlockId.FEEDBACK,
            "Give us feedback",
            initial=previous.text if previous else "",
            multiline=True,
            max_length=TEXT_LIMIT,
            placeholder="What went well? What would have helped?",
            optional=True,
        ),
        _anonymous_input(previous.anonymous if previous else False),
    ]
    metadata = _metadata(incident_id=incident.id, surface=surface)
    return modal(CallbackId.FEEDBACK, "Incident Feedback", blocks, submit="Submit", private_metadata=metadata)


def read_feedback_context(private_metadata: str) -> tuple[int, Surface | None]:
    """The (incident id, request DM) the form was opened for."""
    found = json.loads(private_metadata)
    return int(found["incident_id"]), _surface(found)


def read_feedback_form(values: dict[str, Any]) -> FeedbackForm:
    errors: dict[str, str] = {}
    rating = str(state_value(values, BlockId.RATING) or "")
    if rating not in dict(RATINGS):
        errors[BlockId.RATING] = "Choose how satisfied you were."
    text = str(state_value(values, BlockId.FEEDBACK)).strip()
    if len(text) > TEXT_LIMIT:
        errors[BlockId.FEEDBACK] = f"Keep your feedback within {TEXT_LIMIT} characters."
    if errors:
        raise InvalidForm(errors)
    return FeedbackForm(rating, text, _anonymous(values))


def rating_label(value: str) -> str:
    return dict(RATINGS).get(value, value)


# ------------------------------------------------------------------ the commanders' daily digest


def digest(entries: list[DigestEntry], day: date) -> Message:
    """One commander's feedback of the day: incident, rating, words, and who (never an anonymous name)."""
    count = f"{len(entries)} answer{'s' if len(entries) != 1 else ''}"
    text = md(
        "Incident feedback for {day}: {count} on incidents you commanded", day=day.isoformat(), count=count
    )
    blocks = [
        header(f"Incident feedback — {day.isoformat()}"),
        context(md("{count} in the last 24 hours on incidents you commanded.", count=count)),
    ]
    for entry in entries[:DIGEST_ENTRIES]:
        blocks.append(
            section(
                md(
                    "*{reference}* · {title}\n*Rating:* {rating}\n*Feedback:* {words}\n*From:* {who}",
                    reference=entry.incident.reference,
                    title=clip(entry.incident.title, 200),
                    rating=rating_label(entry.rating),
                    words=escape(entry.text).clip(DIGEST_TEXT_LIMIT) if entry.text else NO_COMMENT,
                    who=mention(entry.author) if entry.author else "Anonymous",
                )
            )
        )
    if len(entries) > DIGEST_ENTRIES:
        blocks.append(context(md("…and {more} more not shown.", more=len(entries) - DIGEST_ENTRIES)))
    return text, blocks


# ------------------------------------------------------------------ on-call shift feedback


def shift_request(shift: ShiftSummary, *, reminder: bool = False) -> Message:
    """The DM to someone whose shift just ended (and, once, the reminder)."""
    text = (
        md("Reminder: how was your on-call shift for {service}?", service=shift.service)
        if reminder
        else md("How was your on-call shift for {service}?", service=shift.service)
    )
    lead = ":wave: A reminder: we'd still like to hear about" if reminder else ":wave: Tell us about"
    return text, [
        section(
            md(
                "{lead} your on-call shift for *{service}* ({span}). "
                "How much did incident response take out of you, and how many hours did it take?",
                lead=lead,
                service=shift.service,
                span=_span(shift),
            )
        ),
        buttons(("Provide feedback", ActionId.PROVIDE_SHIFT_FEEDBACK, str(shift.request_id))),
    ]


def shift_thanks(shift: ShiftSummary) -> Message:
    text = md("Thanks for your feedback on your {service} on-call shift!", service=shift.service)
    return text, [
        section(
            md(
                ":pray: Thanks for your feedback on your on-call shift for *{service}* ({span})!",
                service=shift.service,
                span=_span(shift),
            )
        ),
        buttons(("Change my answer", ActionId.PROVIDE_SHIFT_FEEDBACK, str(shift.request_id))),
    ]


def shift_modal(
    shift: ShiftSummary, previous: ShiftFeedbackForm | None, surface: Surface | None
) -> dict[str, Any]:
    blocks = [
        context(
            md(
                "Your on-call shift for *{service}*: {span} ({hours} hours).",
                service=shift.service,
                span=_span(shift),
                hours=_hours(shift.hours),
            )
        ),
        select_input(
            BlockId.EFFORT,
            "How much mental and emotional effort did incident response take during this shift?",
            _choices(EFFORTS),
            initial=previous.effort if previous else None,
        ),
        text_input(
            BlockId.HOURS,
            "How many hours did you spend on incident response?",
            initial=_hours(previous.hours) if previous else "",
            max_length=10,
            placeholder=f"A number from 0 to {_hours(shift.hours)}",
        ),
        text_input(
            BlockId.FEEDBACK,
            "Anything else about this shift?",
            initial=previous.text if previous else "",
            multiline=True,
            max_length=TEXT_LIMIT,
            optional=True,
        ),
        _anonymous_input(previous.anonymous if previous else False),
    ]
    metadata = _metadata(request_id=shift.request_id, surface=surface)
    return modal(
        CallbackId.SHIFT_FEEDBACK,
        "On-call Shift Feedback",
        blocks,
        submit="Submit",
        private_metadata=metadata,
    )


def read_shift_context(private_metadata: str) -> tuple[int, Surface | None]:
    """The (request id, request DM) the form was opened for."""
    found = json.loads(private_metadata)
    return int(found["request_id"]), _surface(found)


def read_shift_form(values: dict[str, Any], shift_hours: float) -> ShiftFeedbackForm:
    """The answer, or `InvalidForm`; hours must be a number within the shift's length."""
    errors: dict[str, str] = {}
    effort = str(state_value(values, BlockId.EFFORT) or "")
    if effort not in dict(EFFORTS):
        errors[BlockId.EFFORT] = "Choose how much effort the shift took."
    hours = _number(str(state_value(values, BlockId.HOURS)))
    if hours is None or not 0 <= hours <= shift_hours:
        errors[BlockId.HOURS] = (
            f"Enter the hours as a number from 0 to {_hours(shift_hours)} (the length of the shift), "
            "e.g. 2 or 1.5."
        )
    text = str(state_value(values, BlockId.FEEDBACK)).strip()
    if len(text) > TEXT_LIMIT:
        errors[BlockId.FEEDBACK] = f"Keep this within {TEXT_LIMIT} characters."
    if errors or hours is None:
        raise InvalidForm(errors)
    return ShiftFeedbackForm(effort, hours, text, _anonymous(values))


# ------------------------------------------------------------------ shared pieces


def _choices(scale: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """A (value, label) scale as the (text, value) choices of a select."""
    return [(label, value) for value, label in scale]


def _anonymous_input(checked: bool) -> dict[str, Any]:
    choice = option("Anonymize my feedback: don't show my name with it", ANONYMOUS_OPTION)
    element: dict[str, Any] = {"type": "checkboxes", "action_id": BlockId.ANONYMOUS, "options": [choice]}
    if checked:
        element["initial_options"] = [choice]
    return {
        "type": "input",
        "block_id": BlockId.ANONYMOUS,
        "label": plain("Anonymous", 2000),
        "element": element,
        "optional": True,
    }


def _anonymous(values: dict[str, Any]) -> bool:
    entry = (values.get(BlockId.ANONYMOUS) or {}).get(BlockId.ANONYMOUS) or {}
    return any(choice.get("value") == ANONYMOUS_OPTION for choice in entry.get("selected_options") or [])


def _metadata(*, surface: Surface | None, **ids: int) -> str:
    where = {"channel": surface.channel, "ts": surface.ts} if surface else {}
    return json.dumps({**ids, **where})


def _surface(found: dict[str, Any]) -> Surface | None:
    if found.get("channel") and found.get("ts"):
        return Surface(str(found["channel"]), str(found["ts"]))
    return None


def _number(text: str) -> float | None:
    """A decimal number as people type it ("2", "1.5", "1,5"); None for anything else."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _span(shift: ShiftSummary) -> Mrkdwn:
    return md("{start} to {end}", start=when(shift.start), end=when(shift.end))


def _hours(value: float) -> str:
    return f"{value:g}"
