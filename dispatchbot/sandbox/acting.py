"""What the page asks a person to do, done through the fake workspace's people drivers, so the bot
receives exactly the envelopes Slack would send. Anything the Slack client would refuse raises
``ClientRefused`` with the reason, which the page shows."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dispatchbot.sandbox import visibility
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.delivery import Ack
from dispatchbot.testing.slack.driver import Person
from dispatchbot.testing.slack.modal import View
from dispatchbot.testing.slack.server import FakeSlack
from dispatchbot.testing.slack.state import Message


def person(fake: FakeSlack, user_id: str) -> Person:
    user = fake.workspace.users.get(user_id)
    if user is None or user.is_bot or user.deleted:
        raise ClientRefused(f"nobody called {user_id} can act here")
    return fake.as_user(user)


def _answered(ack: Ack | None) -> None:
    """Slack tells the person when the app did not answer in time; so does the sandbox."""
    if ack is not None and not ack.ok:
        raise ClientRefused("dispatchbot did not respond in time (is the bot running? see its log)")


async def send(
    fake: FakeSlack, user_id: str, channel_id: str, text: str, commands: Collection[str], thread_ts: str = ""
) -> None:
    """The composer: a slash command when the text starts with `/` (the app's commands only, as Slack
    offers them), else a message (a reply when ``thread_ts`` is given)."""
    actor = person(fake, user_id)
    visibility.conversation(fake.workspace, user_id, channel_id)
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        if command not in commands:
            raise ClientRefused(f"{command} is not a valid command")
        _answered(await actor.slash_command(command, rest.strip(), channel=channel_id))
        return
    if not text.strip():
        raise ClientRefused("type a message first")
    await actor.post(channel_id, text, thread_ts=thread_ts or None)


async def act(fake: FakeSlack, user_id: str, target: Mapping[str, Any]) -> None:
    """Use a block element: ``target`` names its container (``message``/``ephemeral`` with ``channel``
    and ``ts``, or ``view`` with ``view_id``), ``block_id``, ``action_id`` and, for a select, ``option``.

    In a view, ``values`` (as ``submit`` takes them) are what the person entered so far: they are
    entered first, as Slack sends the view's state with the action, so a re-render keeps them. With
    ``dispatch`` the element is an input of a ``dispatch_action`` block whose value is among them."""
    actor = person(fake, user_id)
    block_id, action_id = str(target.get("block_id", "")), str(target.get("action_id", ""))
    option = target.get("option")
    option = None if option in (None, "") else str(option)
    if target.get("container") == "view":
        values = _values(target.get("values", {}))
        view = _view(actor, str(target.get("view_id", ""))).enter(values)
        if target.get("dispatch"):
            if action_id not in values.get(block_id, {}):
                raise ClientRefused(f"no value entered in {block_id}/{action_id}")
            ack = await view.choose_by_id(block_id, action_id, values[block_id][action_id])
        else:
            ack = await view.act(block_id, action_id, option)
    else:
        item = visibility.find_item(
            fake.workspace, user_id, str(target.get("channel")), str(target.get("ts"))
        )
        ack = await actor.act(item, _block_holding(item.blocks, block_id, action_id), action_id, option)
    _answered(ack)


def _block_holding(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> str:
    """``block_id``, or the block now holding ``action_id`` when the app has redrawn the message under
    new block ids (`chat.update`) since the page showed it: the click still reaches the app, as in Slack."""
    if any(block.get("block_id") == block_id for block in blocks):
        return block_id
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        if any(isinstance(e, dict) and e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id", ""))
    return block_id


def _values(values: Any) -> Mapping[str, Mapping[str, Any]]:
    """What the page says was entered: block ids to action ids to values (refused if not so)."""
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise ClientRefused("values must map block ids to action ids to values")
    return values


def _view(actor: Person, view_id: str) -> View:
    view = actor.workspace.views.get(view_id)
    if view is None or view.user_id != actor.id or not view.is_open:
        raise ClientRefused(f"view {view_id} is not open for {actor.user.name}")
    return View(actor, view_id)


async def submit(fake: FakeSlack, user_id: str, view_id: str, values: Any) -> None:
    """Enter ``values`` (block_id -> action_id -> value) into the person's modal and submit it."""
    view = _view(person(fake, user_id), view_id)
    _answered(await view.enter(_values(values)).submit())


async def close(fake: FakeSlack, user_id: str, view_id: str) -> None:
    _answered(await _view(person(fake, user_id), view_id).close())


async def react(fake: FakeSlack, user_id: str, channel_id: str, ts: str, name: str) -> None:
    """Add the reaction, or take it back when the person already reacted so (as clicking it does)."""
    actor = person(fake, user_id)
    item = visibility.find_item(fake.workspace, user_id, channel_id, ts)
    if not isinstance(item, Message):
        raise ClientRefused("ephemeral messages take no reactions")
    if user_id not in fake.workspace.channels[channel_id].members:
        raise ClientRefused("join the channel to react")
    if user_id in item.reactions.get(name, []):
        _answered(await actor.unreact(item, name))
    else:
        _answered(await actor.react(item, name))


async def join(fake: FakeSlack, user_id: str, channel_id: str) -> None:
    _answered(await person(fake, user_id).join(channel_id))


async def open_home(fake: FakeSlack, user_id: str) -> None:
    _answered(await person(fake, user_id).open_home())
