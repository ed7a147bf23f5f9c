"""The sandbox's workspace: four people in four time zones and the channels an incident bot expects."""

from __future__ import annotations

from dataclasses import dataclass

from dispatchbot.testing.slack.server import FakeSlack


@dataclass(frozen=True)
class Someone:
    name: str
    real_name: str
    tz: str

    @property
    def email(self) -> str:
        return f"{self.name}@example.com"


PEOPLE = (
    Someone("alice", "Alice Adams", "Europe/Berlin"),
    Someone("bob", "Bob Baker", "America/New_York"),
    Someone("carol", "Carol Chen", "Asia/Singapore"),
    Someone("dave", "Dave Dlamini", "Africa/Johannesburg"),
)
CHANNELS = (
    ("general", "Company-wide announcements and chatter"),
    ("incidents", "Where new incidents are announced"),
    ("alerts", "Alerts from monitoring"),
)


def populate(fake: FakeSlack) -> None:
    """Add the people, then the channels with everyone (the bot too) a member."""
    members = [fake.add_user(p.name, real_name=p.real_name, email=p.email, tz=p.tz).id for p in PEOPLE]
    for name, purpose in CHANNELS:
        fake.add_channel(name, members=[*members, fake.bot_user_id], purpose=purpose)
