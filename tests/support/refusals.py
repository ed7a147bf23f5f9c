"""The bot's standard refusals of a slash command, as the ack that carries them.

Several commands refuse in the same words (only the commander or scribe; only in an incident channel);
tests of each command check those words through these, so the wording (and how a refusal is checked)
is written once.
"""

from __future__ import annotations

from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.waiting import eventually


def ephemeral(text: str) -> dict[str, str]:
    """The payload of an ack that answers the caller alone (a refusal), instead of opening anything."""
    return {"response_type": "ephemeral", "text": text}


def managers_only(commander: User, action: str) -> str:
    """The refusal of something only the incident's commander or scribe may do, e.g. "assign roles"."""
    return f"Only the incident commander (<@{commander.id}>) or the scribe can {action}."


def incident_channel_only(command: str) -> str:
    """The refusal of a command run outside an incident channel."""
    return f"`{command}` works only in an incident channel. Run it in the incident's channel."


async def assert_refused(
    slack: FakeSlack, person: User, channel: Channel, command: str, button: str, refusal: str
) -> None:
    """`person` is refused both ways in, in the words `refusal`: `command` run in the incident's `channel`
    (in its ack) and the pinned header's `button` (in an ephemeral message); no form opens."""
    ack = await slack.as_user(person).slash_command(command, channel=channel.id)
    assert ack.payload == ephemeral(refusal)
    await slack.as_user(person).click(slack.messages(channel.id)[0], button)
    await eventually(
        lambda: [e.text for e in slack.ephemerals(channel.id, person.id)][-1:] == [refusal],
        what="the refusal",
    )
    assert slack.workspace.top_view(person.id) is None
