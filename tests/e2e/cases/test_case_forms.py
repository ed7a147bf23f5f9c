"""Opening and editing cases by hand (issue 11 items 3 and 5), end to end: `/dispatch-create-case` and the
"Open a case" shortcut open the case form, whose submission posts one case message however often it is
sent; the Edit button and `/dispatch-update-case` change a case for its people only, each edit said in
its thread; a restricted case type's cases stay invisible to others."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatchbot.alerting.cases import CaseStatus
from dispatchbot.storage.tables import CaseRow
from dispatchbot.testing import FakeSlack, User
from dispatchbot.testing.slack.delivery import INTERACTIVE
from tests.e2e.cases.support import Desk, OpenDesk, shown
from tests.support.waiting import eventually

CREATE, UPDATE = "/dispatch-create-case", "/dispatch-update-case"
FORM, EDIT_FORM, SHORTCUT = "case_create", "case_edit", "case_create_shortcut"
ONLY = "Only the assignee and participants of CASE-1 can change it."


async def case_count(desk: Desk) -> int:
    async with desk.running.deps.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CaseRow)) or 0)


def refused(slack: FakeSlack, user: User, text: str) -> bool:
    return any(text in e.text for e in slack.ephemerals(user=user.id))


async def opened_by(desk: Desk, user: User, title: str = "Odd logins on db1", **more: str) -> None:
    """`user` opens a case with `/dispatch-create-case` in #triage; once its message is posted."""
    person = desk.slack.as_user(user)
    assert (await person.slash_command(CREATE, channel=desk.channel.id)).ok
    form = await person.wait_for_view(callback_id=FORM)
    assert (await form.fill({"Title": title, **more}).submit()).ok
    await desk.settled()


async def test_the_command_opens_one_case_in_its_channel_however_often_the_form_is_sent(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    person = slack.as_user(alice)
    assert (await person.slash_command(CREATE, channel=desk.channel.id)).ok
    form = await person.wait_for_view(callback_id=FORM)
    assert f"goes to <#{desk.channel.id}>" in str(form.blocks)
    form.fill({"Title": "Odd logins on db1", "Description": "<!channel> from 10.0.0.1", "Assignee": bob})
    first = await form.submit()
    assert first.ok
    await slack.socket.redeliver(first)
    await person.deliver(INTERACTIVE, dict(first.envelope["payload"]))  # sent twice, as a double click
    await desk.settled()

    assert await case_count(desk) == 1
    (message,) = desk.cases()
    text = shown(message)
    assert "*CASE-1* · Odd logins on db1" in text
    assert "&lt;!channel&gt; from 10.0.0.1" in text
    assert f"<@{bob.id}>" in text  # the assignee
    assert "Raw payload" not in text  # no alert behind it
    assert "We observed" not in text
    assert [reply.text for reply in desk.thread()] == [f":new: <@{alice.id}> opened CASE-1"]
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.reporter, case.participants, case.signal) == (
        CaseStatus.NEW,
        alice.id,
        (alice.id,),
        "",
    )
    assert (case.channel, case.restricted, case.case_priority) == (desk.channel.id, False, "Medium")


async def test_the_shortcut_opens_the_form_with_the_message_and_in_its_channel(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice = slack.add_user("alice")
    person = slack.as_user(alice)
    await person.join(desk.channel.id)
    posted = await person.post(desk.channel.id, "Who ran <rm -rf> & why?")
    assert (await person.shortcut(SHORTCUT, posted)).ok
    form = await person.wait_for_view(callback_id=FORM)
    assert form.values["description"]["description"]["value"] == "Who ran <rm -rf> & why?"
    assert (await form.fill({"Title": "A strange command"}).submit()).ok
    await desk.settled()
    _, message = desk.cases()  # hers, then the case's
    assert "Who ran &lt;rm -rf&gt; &amp; why?" in shown(message)


async def test_the_cases_people_edit_it_and_each_edit_is_said_in_its_thread(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice, bob = slack.add_user("alice"), slack.add_user("bob")
    await opened_by(desk, alice)
    person = slack.as_user(alice)

    assert (await person.click(desk.cases()[0], "Edit")).ok
    form = await person.wait_for_view(callback_id=EDIT_FORM)
    assert form.values["title"]["title"]["value"] == "Odd logins on db1"
    form.fill({"Status": "Stable", "Priority": "High", "Assignee": bob})
    assert (await form.submit()).ok
    await desk.settled()
    text = shown(desk.cases()[0])
    assert "*Status*\nStable" in text
    assert "*Priority*\nHigh" in text
    said = [reply.text for reply in desk.thread()]
    assert said[1:] == [
        f":pencil2: <@{alice.id}> edited CASE-1: status New → Stable, priority Medium → High",
        f":bust_in_silhouette: <@{alice.id}> assigned CASE-1 to <@{bob.id}>",
    ]

    assert (await person.slash_command(UPDATE, "CASE-1", channel=desk.channel.id)).ok
    form = await person.wait_for_view(callback_id=EDIT_FORM)
    refused_close = await form.fill({"Status": "Closed"}).submit()
    assert (refused_close.payload or {}).get("errors") == {"reason": "Choose why the case is closed."}
    form.fill({"Resolution reason (needed to close it)": "Benign", "Resolution": "a drill"})
    assert (await form.submit()).ok
    await desk.settled()
    case = await desk.running.deps.cases.get(1)
    assert (case.status, case.resolution) == (CaseStatus.CLOSED, "a drill")
    assert case.closed_at is not None
    assert "Closed as Benign: a drill" in shown(desk.cases()[0])


async def test_others_may_not_edit_it_and_the_command_needs_a_case(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk()
    alice, carol = slack.add_user("alice"), slack.add_user("carol")
    await opened_by(desk, alice)
    outsider = slack.as_user(carol)

    assert (await outsider.click(desk.cases()[0], "Edit")).ok
    await eventually(lambda: refused(slack, carol, ONLY), what="Carol's refusal")
    ack = await outsider.slash_command(UPDATE, "case-1", channel=desk.channel.id)
    assert ONLY in (ack.payload or {}).get("text", "")
    ack = await outsider.slash_command(UPDATE, "", channel=desk.channel.id)
    assert "Name the case to update, e.g. CASE-7" in (ack.payload or {}).get("text", "")
    ack = await outsider.slash_command(CREATE)  # in a DM, and no case type has a channel
    assert "Run /dispatch-create-case in the channel where the case belongs." in str(ack.payload)

    late = slack.as_user(alice)  # a form opened by Alice, submitted after she left the case
    await late.click(desk.cases()[0], "Edit")
    form = await late.wait_for_view(callback_id=EDIT_FORM)
    async with desk.running.deps.database.sessions.begin() as session:
        await session.execute(CaseRow.__table__.update().values(participants=[carol.id]))
    answer = await form.fill({"Priority": "Low"}).submit()
    assert ONLY in str(answer.payload)
    assert (await desk.running.deps.cases.get(1)).case_priority == "Medium"


async def test_a_restricted_type_opened_from_a_dm_goes_to_its_channel_and_stays_hidden(
    open_desk: OpenDesk, slack: FakeSlack
) -> None:
    desk = await open_desk(
        case_types=[{"name": "Security", "channel": "#triage", "visibility": "restricted"}]
    )
    alice, carol = slack.add_user("alice"), slack.add_user("carol")
    person = slack.as_user(alice)
    assert (await person.slash_command(CREATE)).ok  # in the DM with the app
    form = await person.wait_for_view(callback_id=FORM)
    assert "the channel of its type" in str(form.blocks)
    assert (await form.fill({"Title": "Leaked key"}).submit()).ok
    await desk.settled()

    (message,) = desk.cases()
    assert "Leaked key" in shown(message)
    case = await desk.running.deps.cases.get(1)
    assert (case.restricted, case.channel) == (True, "#triage")
    ack = await slack.as_user(carol).slash_command(UPDATE, "CASE-1", channel=desk.channel.id)
    assert "does not exist or is not visible to you" in (ack.payload or {}).get("text", "")
    listed = await desk.running.deps.cases.open_cases(carol.id, 10)
    assert listed == ([], 0)
