"""What the bot says in an incident channel in answer to people joining, leaving and posting."""

from __future__ import annotations

from dispatchbot.blocks.common import Message, section
from dispatchbot.domain import Incident
from dispatchbot.mrkdwn import Mrkdwn, md, mention

THREAD_WARNING = Mrkdwn(
    "Please keep the conversation in the channel rather than in threads: "
    "threads make it harder for everyone in the incident to keep up."
)


def commander_added_back(user_id: str, assign_command: str) -> Message:
    text = md(
        "{who} was added back. The incident commander cannot leave an open incident; "
        "hand over with {command} first.",
        who=mention(user_id),
        command=assign_command,
    )
    return text, [section(md(":leftwards_arrow_with_hook: {text}", text=text))]


def promoted(user_id: str) -> Message:
    text = md(
        "{who} is now a Participant (was Observer) after taking part in the conversation.",
        who=mention(user_id),
    )
    return text, [section(md(":raised_hand: {text}", text=text))]


def after_hours_notice(incident: Incident, commander_tz: str, start_hour: int, end_hour: int) -> Mrkdwn:
    return md(
        "Responses may be delayed. Your message was sent outside the incident commander's working "
        "hours (weekdays {start:02d}:00 to {end:02d}:00, {tz} time). "
        "The current priority of {reference} is *{priority}*.",
        start=start_hour,
        end=end_hour,
        tz=commander_tz,
        reference=incident.reference,
        priority=incident.priority,
    )


def back_in_channel(incident: Incident) -> Message:
    text = md("{reference} is open again", reference=incident.reference)
    return text, [
        section(
            md(
                ":arrows_counterclockwise: *{reference}* is {status} again. "
                "I have invited its participants back; the pinned message shows where it stands.",
                reference=incident.reference,
                status=incident.status.label.lower(),
            )
        )
    ]
