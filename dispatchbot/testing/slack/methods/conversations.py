"""``conversations.*`` methods: channel lifecycle, membership and reading history."""

from __future__ import annotations

import re

from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler, paginate
from dispatchbot.testing.slack.state import JSON, Channel, Message

_NAME = re.compile(r"^[a-z0-9_-]+$")
_TOPIC_MAX = 250


def _validate_name(ctx: Context, name: str) -> None:
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > 80:
        raise ApiError("invalid_name_maxlength")
    if not _NAME.match(name):
        raise ApiError("invalid_name_specialchars")
    if not re.search(r"[a-z0-9]", name):
        raise ApiError("invalid_name_punctuation")
    if ctx.workspace.channel_by_name(name) is not None:
        raise ApiError("name_taken")


def _not_im(channel: Channel) -> Channel:
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    return channel


def _writable(ctx: Context, args: Args, archived_error: str = "is_archived") -> Channel:
    """A channel the bot may change: it must be in it and the channel must not be archived (Slack says
    so with `archived_error`)."""
    channel = _not_im(ctx.channel(args.required("channel", "channel_not_found")))
    if channel.archived:
        raise ApiError(archived_error)
    if ctx.bot not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def create(ctx: Context, args: Args) -> JSON:
    name = args.get("name")
    _validate_name(ctx, name)
    ws = ctx.workspace
    channel = Channel(
        id=ws.new_id("C"),
        name=name,
        creator=ctx.bot,
        created=ws.now(),
        is_private=args.flag("is_private"),
        members=[ctx.bot],
    )
    ws.channels[channel.id] = channel
    ws.messages[channel.id] = []
    return {"channel": channel.to_api(ctx.bot)}


def rename(ctx: Context, args: Args) -> JSON:
    channel = _writable(ctx, args)
    _validate_name(ctx, args.get("name"))
    channel.name = args.get("name")
    return {"channel": channel.to_api(ctx.bot)}


def info(ctx: Context, args: Args) -> JSON:
    return {"channel": ctx.channel(args.required("channel", "channel_not_found")).to_api(ctx.bot)}


def list_(ctx: Context, args: Args) -> JSON:
    types = set(args.id_list("types") or ["public_channel"])
    exclude_archived = args.flag("exclude_archived")

    def visible(channel: Channel) -> bool:
        if channel.is_im:
            return "im" in types
        if exclude_archived and channel.archived:
            return False
        if channel.is_private:
            return "private_channel" in types and ctx.bot in channel.members
        return "public_channel" in types

    channels = [c.to_api(ctx.bot) for c in ctx.workspace.channels.values() if visible(c)]
    page, meta = paginate(channels, args)
    return {"channels": page, "response_metadata": meta}


def members(ctx: Context, args: Args) -> JSON:
    channel = ctx.channel(args.required("channel", "channel_not_found"))
    page, meta = paginate(list(channel.members), args)
    return {"members": page, "response_metadata": meta}


def invite(ctx: Context, args: Args) -> JSON:
    """Invite several users; any bad one fails the whole call unless ``force`` is set, as in Slack."""
    channel = _writable(ctx, args)
    user_ids = list(dict.fromkeys(args.id_list("users")))
    if not user_ids:
        raise ApiError("no_user")
    errors: list[JSON] = []
    valid: list[str] = []
    for user_id in user_ids:
        user = ctx.workspace.users.get(user_id)
        if user_id == ctx.bot:
            error = "cant_invite_self"
        elif user is None:
            error = "user_not_found"
        elif user.deleted:
            error = "user_is_deactivated"
        elif user_id in channel.members:
            error = "already_in_channel"
        else:
            valid.append(user_id)
            continue
        errors.append({"user": user_id, "ok": False, "error": error})
    if errors and not args.flag("force"):
        raise ApiError(str(errors[0]["error"]), errors=errors)
    channel.members.extend(valid)
    result: JSON = {"channel": channel.to_api(ctx.bot)}
    if errors:
        result["errors"] = errors
    return result


def kick(ctx: Context, args: Args) -> JSON:
    channel = _writable(ctx, args)
    user_id = args.required("user", "user_not_found")
    if user_id == ctx.bot:
        raise ApiError("cant_kick_self")
    ctx.user(user_id)
    if user_id not in channel.members:
        raise ApiError("not_in_channel")
    channel.members.remove(user_id)
    return {}


def join(ctx: Context, args: Args) -> JSON:
    channel = _not_im(ctx.channel(args.required("channel", "channel_not_found")))
    if channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.archived:
        raise ApiError("is_archived")
    if ctx.bot in channel.members:
        return {"channel": channel.to_api(ctx.bot), "warning": "already_in_channel"}
    channel.members.append(ctx.bot)
    return {"channel": channel.to_api(ctx.bot)}


def leave(ctx: Context, args: Args) -> JSON:
    channel = _not_im(ctx.channel(args.required("channel", "channel_not_found")))
    if ctx.bot not in channel.members:
        raise ApiError("not_in_channel")
    if channel.archived:
        raise ApiError("is_archived")
    channel.members.remove(ctx.bot)
    return {}


def archive(ctx: Context, args: Args) -> JSON:
    channel = _writable(ctx, args, archived_error="already_archived")
    channel.archived = True
    return {}


def unarchive(ctx: Context, args: Args) -> JSON:
    """Slack's documented limitation: bot tokens cannot unarchive (a person has to, see Person.unarchive)."""
    channel = _not_im(ctx.channel(args.required("channel", "channel_not_found")))
    if not channel.archived:
        raise ApiError("not_archived")
    raise ApiError("not_in_channel")


def set_topic(ctx: Context, args: Args) -> JSON:
    channel = _writable(ctx, args)
    channel.topic, channel.topic_by, channel.topic_at = _channel_text(ctx, args, "topic")
    return {"channel": channel.to_api(ctx.bot)}


def set_purpose(ctx: Context, args: Args) -> JSON:
    channel = _writable(ctx, args)
    channel.purpose, channel.purpose_by, channel.purpose_at = _channel_text(ctx, args, "purpose")
    return {"channel": channel.to_api(ctx.bot)}


def _channel_text(ctx: Context, args: Args, name: str) -> tuple[str, str, int]:
    """A new topic or purpose (Slack holds both to the same length), who set it and when."""
    text = args.get(name)
    if len(text) > _TOPIC_MAX:
        raise ApiError("too_long")
    return text, ctx.bot, ctx.workspace.now()


def _in_window(message: Message, args: Args) -> bool:
    inclusive = args.flag("inclusive")
    ts = float(message.ts)
    if args.get("oldest"):
        oldest = float(args.get("oldest"))
        if ts < oldest or (ts == oldest and not inclusive):
            return False
    if args.get("latest"):
        latest = float(args.get("latest"))
        if ts > latest or (ts == latest and not inclusive):
            return False
    return True


def history(ctx: Context, args: Args) -> JSON:
    """Top-level messages (and thread broadcasts), newest first, as ``conversations.history`` returns."""
    channel = ctx.channel(args.required("channel", "channel_not_found"), must_be_member=True)
    ws = ctx.workspace
    top = [
        m
        for m in reversed(ws.messages.get(channel.id, []))
        if (m.thread_ts in (None, m.ts) or m.reply_broadcast) and _in_window(m, args)
    ]
    page, meta = paginate([ws.message_json(m) for m in top], args)
    return {
        "messages": page,
        "has_more": bool(meta["next_cursor"]),
        "pin_count": len(channel.pins),
        "response_metadata": meta,
    }


def replies(ctx: Context, args: Args) -> JSON:
    channel = ctx.channel(args.required("channel", "channel_not_found"), must_be_member=True)
    ws = ctx.workspace
    parent = ws.find_message(channel.id, args.required("ts", "thread_not_found"))
    if parent is None:
        raise ApiError("thread_not_found")
    if parent.thread_ts not in (None, parent.ts):
        parent = ws.find_message(channel.id, parent.thread_ts or "") or parent
    thread = [parent, *[m for m in ws.replies(parent) if _in_window(m, args)]]
    page, meta = paginate([ws.message_json(m) for m in thread], args, default_limit=1000)
    return {"messages": page, "has_more": bool(meta["next_cursor"]), "response_metadata": meta}


def open_(ctx: Context, args: Args) -> JSON:
    """Open (or find) the IM with one user; its ``D...`` id stays the same for the workspace's life."""
    if args.get("channel"):
        channel = ctx.channel(args.get("channel"))
        return {"channel": channel.to_api(ctx.bot), "no_op": True, "already_open": True}
    user_ids = args.id_list("users")
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    if len(user_ids) > 1:
        raise ApiError("not_supported", detail="the fake models IMs with one user, not group DMs")
    user_id = user_ids[0]
    if user_id == ctx.bot:
        raise ApiError("cannot_dm_bot")
    ctx.user(user_id)
    already = any(c.is_im and c.im_user == user_id for c in ctx.workspace.channels.values())
    channel = ctx.workspace.im_with(user_id)
    body: JSON = channel.to_api(ctx.bot) if args.flag("return_im") else {"id": channel.id}
    result: JSON = {"channel": body}
    if already:
        result.update(no_op=True, already_open=True)
    return result


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.info": info,
    "conversations.rename": rename,
    "conversations.list": list_,
    "conversations.members": members,
    "conversations.invite": invite,
    "conversations.kick": kick,
    "conversations.join": join,
    "conversations.leave": leave,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_,
}
