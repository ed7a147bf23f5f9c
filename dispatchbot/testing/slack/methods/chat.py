"""``chat.*`` methods: posting, ephemeral messages, edits, deletes and permalinks."""

from __future__ import annotations

from dispatchbot.testing.slack.block_kit import assign_ids
from dispatchbot.testing.slack.methods.blocks import MESSAGE_MAX_BLOCKS, check_blocks
from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler
from dispatchbot.testing.slack.state import JSON, Channel, Ephemeral, Message

_TEXT_MAX = 40000


def _target(ctx: Context, ref: str) -> Channel:
    """Resolve a channel id, ``#name`` or user id (a DM) the way chat.postMessage accepts them.

    The bot may post to public channels it has not joined (``chat:write.public``); private channels it
    is not in answer ``not_in_channel``.
    """
    ws = ctx.workspace
    if not ref:
        raise ApiError("channel_not_found")
    if ref[0] in "UW":
        ctx.user(ref)
        return ws.im_with(ref)
    channel = ws.channels.get(ref) or ws.channel_by_name(ref.removeprefix("#"))
    if channel is None:
        raise ApiError("channel_not_found")
    if channel.is_private and ctx.bot not in channel.members:
        raise ApiError("not_in_channel")
    if channel.archived:
        raise ApiError("is_archived")
    return channel


def _content(args: Args, *, require: bool = True) -> tuple[str, list[JSON]]:
    text = args.get("text")
    if len(text) > _TEXT_MAX:
        raise ApiError("msg_too_long")
    blocks = assign_ids(check_blocks(args.structured("blocks"), MESSAGE_MAX_BLOCKS))
    if require and not text and not blocks and not args.structured("attachments"):
        raise ApiError("no_text")
    return text, blocks


def _own_message(ctx: Context, args: Args, ts_arg: str, error: str) -> tuple[Channel, Message]:
    channel = ctx.channel(args.required("channel", "channel_not_found"))
    message = ctx.message(channel, args.required(ts_arg, "message_not_found"))
    if message.user != ctx.bot:
        raise ApiError(error)
    return channel, message


def post_message(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    channel = _target(ctx, args.get("channel"))
    text, blocks = _content(args)
    thread_ts = args.get("thread_ts") or None
    if thread_ts is not None:
        parent = ws.find_message(channel.id, thread_ts)
        if parent is not None and parent.thread_ts:
            thread_ts = parent.thread_ts
    message = ws.add_app_message(
        channel.id,
        text,
        blocks,
        thread_ts=thread_ts,
        metadata=args.structured("metadata"),
        reply_broadcast=thread_ts is not None and args.flag("reply_broadcast"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": ws.message_json(message)}


def post_ephemeral(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    channel = ctx.channel(args.required("channel", "channel_not_found"))
    if channel.archived:
        raise ApiError("is_archived")
    user = ctx.user(args.required("user", "user_not_found"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks = _content(args)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user.id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=args.get("thread_ts") or None,
    )
    ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral.ts}


def update(ctx: Context, args: Args) -> JSON:
    """Replace text and/or blocks; omitted blocks are kept, as Slack documents for chat.update."""
    channel, message = _own_message(ctx, args, "ts", "cant_update_message")
    text, blocks = _content(args, require=False)
    if "text" in args.values:
        message.text = text
    if "blocks" in args.values:
        message.blocks = blocks
    if not message.text and not message.blocks:
        raise ApiError("no_text")
    message.edited = {"user": ctx.bot, "ts": ctx.workspace.next_ts()}
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": ctx.workspace.message_json(message),
    }


def delete(ctx: Context, args: Args) -> JSON:
    channel, message = _own_message(ctx, args, "ts", "cant_delete_message")
    ctx.workspace.messages[channel.id].remove(message)
    return {"channel": channel.id, "ts": message.ts}


def get_permalink(ctx: Context, args: Args) -> JSON:
    channel = ctx.channel(args.required("channel", "channel_not_found"))
    message = ctx.message(channel, args.required("message_ts", "message_not_found"))
    link = f"https://{ctx.workspace.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
