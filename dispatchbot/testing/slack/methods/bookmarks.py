"""``bookmarks.*``: links pinned to a channel's header (incident doc, call link, ...)."""

from __future__ import annotations

from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler
from dispatchbot.testing.slack.state import JSON, Bookmark, Channel


def _channel(ctx: Context, args: Args) -> Channel:
    channel = ctx.channel(args.required("channel_id", "channel_not_found"), must_be_member=True)
    if channel.archived:
        raise ApiError("is_archived")
    return channel


def _link(args: Args) -> str:
    link = args.get("link")
    if not link.startswith(("http://", "https://")):
        raise ApiError("invalid_link")
    return link


def _find(channel: Channel, args: Args) -> Bookmark:
    bookmark_id = args.get("bookmark_id")
    bookmark = next((b for b in channel.bookmarks if b.id == bookmark_id), None)
    if bookmark is None:
        raise ApiError("not_found")
    return bookmark


def add(ctx: Context, args: Args) -> JSON:
    channel = _channel(ctx, args)
    if args.get("type") != "link":
        raise ApiError("invalid_bookmark_type")
    title = args.required("title", "invalid_title")
    now = ctx.workspace.now()
    bookmark = Bookmark(
        id=ctx.workspace.new_id("Bk"),
        channel_id=channel.id,
        title=title,
        link=_link(args),
        emoji=args.get("emoji"),
        created=now,
        updated=now,
        updated_by=ctx.bot,
    )
    channel.bookmarks.append(bookmark)
    return {"bookmark": bookmark.to_api(ctx.workspace.app_id)}


def list_(ctx: Context, args: Args) -> JSON:
    channel = _channel(ctx, args)
    return {"bookmarks": [b.to_api(ctx.workspace.app_id) for b in channel.bookmarks]}


def edit(ctx: Context, args: Args) -> JSON:
    channel = _channel(ctx, args)
    bookmark = _find(channel, args)
    if "title" in args.values:
        bookmark.title = args.get("title")
    if "link" in args.values:
        bookmark.link = _link(args)
    if "emoji" in args.values:
        bookmark.emoji = args.get("emoji")
    bookmark.updated, bookmark.updated_by = ctx.workspace.now(), ctx.bot
    return {"bookmark": bookmark.to_api(ctx.workspace.app_id)}


def remove(ctx: Context, args: Args) -> JSON:
    channel = _channel(ctx, args)
    channel.bookmarks.remove(_find(channel, args))
    return {}


HANDLERS: dict[str, Handler] = {
    "bookmarks.add": add,
    "bookmarks.list": list_,
    "bookmarks.edit": edit,
    "bookmarks.remove": remove,
}
