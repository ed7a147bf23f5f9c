"""People other than the reporter: someone new in the workspace (in the incident channel if asked), and
someone leaving an incident for good."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.waiting import eventually


async def new_person(
    slack: FakeSlack,
    name: str,
    channel: Channel | None = None,
    *,
    real_name: str = "",
    email: str | None = None,
    inviter: User | None = None,
) -> User:
    """A new user `name` (real name `real_name`, else the name capitalised) who joins `channel` if given,
    as a person does (so the bot sees the join), or is added to it by `inviter`."""
    user = slack.add_user(name, real_name=real_name or name.capitalize(), email=email)
    if channel is not None:
        await slack.as_user(user).join(channel.id, inviter=inviter)
    return user


async def leaves(bot: Running, slack: FakeSlack, user: User, incident: Incident, channel: Channel) -> None:
    """`user` leaves the incident's channel; returns once the bot has recorded that they no longer take
    part. Only for a leave the bot accepts: it brings back the commander and people with open tasks."""
    await slack.as_user(user).leave(channel.id)

    async def gone() -> bool:
        participant = await bot.deps.participants.get(incident.id, user.id)
        return participant is not None and not participant.active

    await eventually(gone, what=f"{user.name} to leave {incident.reference}")
