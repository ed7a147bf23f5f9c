"""Text people type can never ping, mention or disguise a link, wherever the bot repeats it.

A reporter puts every Slack control sequence into an incident's title and description; the incident is
created, reported on, timelined, given a task and retitled the same way. Then everything the bot put in
front of people in the workspace (messages and DMs with their notification text, ephemerals, modals,
topics) is read back: mrkdwn shows the text escaped, plain text shows it as typed.
"""

from __future__ import annotations

from dispatchbot.app import Running
from dispatchbot.config import NotificationSettings
from dispatchbot.mrkdwn import escape
from dispatchbot.testing import Channel, FakeSlack, User, View
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.escaping import HOSTILE, RAW_MARKUP, unescaped
from tests.support.forms import open_form
from tests.support.incidents import report_incident
from tests.support.runs import finished

TITLE = HOSTILE[:150]
NEW_TITLE = ("Renamed " + HOSTILE)[:150]


async def submit(bot: Running, view: View, values: dict[str, object], flow: str, key: str) -> None:
    """Fill and submit a command's modal, then wait for the run it starts to succeed."""
    view.fill(values)
    ack = await view.submit()
    assert not ack.payload, ack.payload
    await finished(bot, flow, key)


async def test_typed_text_is_shown_escaped_everywhere_the_bot_repeats_it(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    ops = slack.add_channel("ops", members=[slack.bot_user_id])
    bob = slack.add_user("bob", real_name="Bob Brown")
    settings = bot_settings(slack, database_url)
    bot = await start_bot(
        settings.model_copy(update={"notifications": [NotificationSettings(channel=ops.id)]})
    )
    await slack.socket.wait_connected()
    person = slack.as_user(alice)

    incident, channel = await report_incident(
        bot, slack, alice, general, Title=TITLE, Description=f"{HOSTILE}\n{HOSTILE}"
    )
    assert incident.title == TITLE  # stored as typed: escaping is for showing, not for keeping

    view = await open_form(person, channel, "/dispatch-report-tactical", "report_tactical")
    report = {"Conditions": HOSTILE, "Actions": HOSTILE, "Needs": HOSTILE}
    await submit(bot, view, report, "report_tactical", f"view:{view.id}")

    view = await open_form(person, channel, "/dispatch-add-timeline-event", "add_timeline_event", HOSTILE)
    await submit(bot, view, {}, "add_timeline_event", f"view:{view.id}")

    view = await open_form(person, channel, "/dispatch-create-task", "create_task")
    await submit(bot, view, {"Assignees": [bob.id], "Description": HOSTILE}, "create_task", f"view:{view.id}")

    view = await open_form(person, channel, "/dispatch-update-incident", "update_incident")
    await submit(bot, view, {"Title": NEW_TITLE}, "update_incident", f"view:{view.id}:{view.hash}")

    header = slack.messages(channel.id)[0]
    await person.click(header, "Timeline")
    await person.wait_for_view(callback_id="timeline")

    shown = list(slack.workspace.shown_texts())
    mrkdwn = [text for text in shown if text.format == "mrkdwn"]
    live = {
        f"{text.where}: {text.text[:200]!r}": unescaped(text.text) for text in mrkdwn if unescaped(text.text)
    }
    assert live == {}

    # The checks above saw the text: escaped, it is in the channel, the tips DM, the notification,
    # the report, the timeline confirmation, the task card, the assignee's note and the timeline modal.
    escaped = str(escape(HOSTILE))
    places = {text.where.split("/")[0] for text in mrkdwn if escaped in text.text}
    dm = slack.workspace.im_with(alice.id).id
    assert {
        f"message {channel.id}",
        f"message {ops.id}",
        f"message {dm}",
        f"ephemeral {channel.id}",
    } <= places
    assert any(place.startswith("view ") for place in places)

    # Plain text (headers, topics, purposes) is not parsed by Slack: shown as typed, never as `&lt;`.
    plain = [text for text in shown if text.format != "mrkdwn"]
    assert all("&lt;" not in text.text and "&amp;" not in text.text for text in plain)
    assert any(text.text == f"INC-1: {NEW_TITLE}" for text in plain)  # the pinned header's title
    assert not [marker for marker in RAW_MARKUP if marker in slack.workspace.channels[channel.id].topic]
