"""Create incidents the way people do (through the report form), for tests of everything after creation."""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.runs import finished
from tests.support.waiting import eventually


async def report_incident(
    bot: Running, slack: FakeSlack, reporter: User, where: Channel, **values: str
) -> tuple[Incident, Channel]:
    """Report through the real modal and wait for creation to finish; returns the incident and channel.

    `values` fill the form by label (Title, Description, Type, Severity, Priority, Visibility); the title
    defaults to "DB latency". Visibility takes the option text: "Open" or "Restricted (participants only)".
    """
    before = {channel.id for channel in slack.workspace.channels.values()}
    person = slack.as_user(reporter)
    await person.slash_command("/dispatch-report-incident", channel=where.id)
    view = await person.wait_for_view(callback_id="report_incident")
    view.fill({"Title": "DB latency", **values})
    ack = await view.submit()
    assert ack.payload is not None
    assert ack.payload.get("response_action") == "update", ack.payload
    new: list[Channel] = []

    def created() -> bool:
        new[:] = [c for c in slack.workspace.channels.values() if c.id not in before and not c.is_im]
        return len(new) == 1 and bool(new[0].pins)

    await eventually(created, what="the incident channel with its pinned header")
    incident = await bot.deps.incidents.by_channel(new[0].id)
    assert incident is not None

    await finished(bot, "create_incident", f"view:{view.id}")
    return await bot.deps.incidents.get(incident.id), new[0]
