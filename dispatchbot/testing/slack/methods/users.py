"""``users.*`` methods over the workspace's people."""

from __future__ import annotations

from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler, paginate
from dispatchbot.testing.slack.state import JSON


def users_info(ctx: Context, args: Args) -> JSON:
    return {"user": ctx.user(args.required("user", "user_not_found")).to_api()}


def users_list(ctx: Context, args: Args) -> JSON:
    page, meta = paginate([u.to_api() for u in ctx.workspace.users.values()], args, default_limit=200)
    return {"members": page, "cache_ts": ctx.workspace.now(), "response_metadata": meta}


def users_lookup_by_email(ctx: Context, args: Args) -> JSON:
    email = args.required("email", "invalid_email").lower()
    for user in ctx.workspace.users.values():
        if user.email is not None and user.email.lower() == email and not user.deleted:
            return {"user": user.to_api()}
    raise ApiError("users_not_found")


def users_profile_get(ctx: Context, args: Args) -> JSON:
    """Without ``user`` Slack answers for the token's own user, here the bot."""
    return {"profile": ctx.user(args.get("user") or ctx.bot).profile()}


HANDLERS: dict[str, Handler] = {
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "users.profile.get": users_profile_get,
}
