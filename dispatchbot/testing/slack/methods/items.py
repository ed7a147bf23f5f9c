"""Pins and reactions: small per-message annotations, both keyed by channel + message ts."""

from __future__ import annotations

from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler
from dispatchbot.testing.slack.state import JSON, Channel, Message, Pin


def _item(ctx: Context, args: Args, *, member: bool) -> tuple[Channel, Message]:
    channel = ctx.channel(args.required("channel", "channel_not_found"), must_be_member=member)
    return channel, ctx.message(channel, args.required("timestamp", "no_item_specified"))


def pins_add(ctx: Context, args: Args) -> JSON:
    channel, message = _item(ctx, args, member=True)
    if message.pinned:
        raise ApiError("already_pinned")
    message.pinned = True
    channel.pins.append(Pin(ts=message.ts, created_by=ctx.bot, created=ctx.workspace.now()))
    return {}


def pins_remove(ctx: Context, args: Args) -> JSON:
    channel, message = _item(ctx, args, member=True)
    if not message.pinned:
        raise ApiError("no_pin")
    message.pinned = False
    channel.pins = [p for p in channel.pins if p.ts != message.ts]
    return {}


def pins_list(ctx: Context, args: Args) -> JSON:
    channel = ctx.channel(args.required("channel", "channel_not_found"))
    items: list[JSON] = []
    for pin in channel.pins:
        message = ctx.workspace.find_message(channel.id, pin.ts)
        if message is not None:
            items.append(
                {
                    "type": "message",
                    "created": pin.created,
                    "created_by": pin.created_by,
                    "channel": channel.id,
                    "message": ctx.workspace.message_json(message),
                }
            )
    return {"items": items}


def _reaction_name(args: Args) -> str:
    name = args.get("name").strip(":")
    if not name:
        raise ApiError("invalid_name")
    return name


def reactions_add(ctx: Context, args: Args) -> JSON:
    _, message = _item(ctx, args, member=False)
    name = _reaction_name(args)
    users = message.reactions.setdefault(name, [])
    if ctx.bot in users:
        raise ApiError("already_reacted")
    users.append(ctx.bot)
    return {}


def reactions_remove(ctx: Context, args: Args) -> JSON:
    _, message = _item(ctx, args, member=False)
    name = _reaction_name(args)
    users = message.reactions.get(name, [])
    if ctx.bot not in users:
        raise ApiError("no_reaction")
    users.remove(ctx.bot)
    if not users:
        del message.reactions[name]
    return {}


def reactions_get(ctx: Context, args: Args) -> JSON:
    channel, message = _item(ctx, args, member=False)
    return {"type": "message", "channel": channel.id, "message": ctx.workspace.message_json(message)}


HANDLERS: dict[str, Handler] = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
}
