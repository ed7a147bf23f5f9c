"""Identity methods: who the token is, the team, and the Socket Mode URL for app-level tokens."""

from __future__ import annotations

from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler
from dispatchbot.testing.slack.state import JSON


def auth_test(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.users[ctx.bot].name,
        "team_id": ws.team_id,
        "user_id": ctx.bot,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def api_test(ctx: Context, args: Args) -> JSON:
    """Echo the arguments; an ``error`` argument makes the call fail with that code, as in Slack."""
    if args.get("error"):
        raise ApiError(args.get("error"), args=args.values)
    return {"args": args.values}


def apps_connections_open(ctx: Context, args: Args) -> JSON:
    return {"url": ctx.open_socket()}


def team_info(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    return {
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "domain": ws.domain,
            "email_domain": "",
            "icon": {"image_default": True},
        }
    }


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "api.test": api_test,
    "apps.connections.open": apps_connections_open,
    "team.info": team_info,
}
