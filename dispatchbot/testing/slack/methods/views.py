"""``views.*``: modals (a per-person stack of up to three views) and App Home tabs.

The stack operations are also what the driver applies when a view submission is acked with a
``response_action``, so both paths change views the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dispatchbot.testing.slack import block_kit
from dispatchbot.testing.slack.methods.blocks import VIEW_MAX_BLOCKS, check_blocks
from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler
from dispatchbot.testing.slack.state import JSON, StoredView, Workspace

TRIGGER_LIFETIME = 3.0
_MAX_STACK = 3
_TITLE_MAX = 24


def _definition(raw: Any, *, kind: str) -> JSON:
    if not isinstance(raw, dict) or raw.get("type") != kind:
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] view must be a {kind}"]}
        )
    definition = dict(raw)
    definition["blocks"] = block_kit.assign_ids(check_blocks(raw.get("blocks", []), VIEW_MAX_BLOCKS))
    if kind == "modal" and len(str((raw.get("title") or {}).get("text", ""))) > _TITLE_MAX:
        raise ApiError(
            "invalid_arguments",
            response_metadata={
                "messages": ["[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]
            },
        )
    return definition


def _new_hash(ws: Workspace) -> str:
    return f"{int(time.time())}.{ws.new_id('', 8)}"


def new_view(ws: Workspace, user_id: str, raw: Any, *, kind: str = "modal") -> StoredView:
    definition = _definition(raw, kind=kind)
    view = StoredView(
        id=ws.new_id("V"),
        team_id=ws.team_id,
        user_id=user_id,
        app_id=ws.app_id,
        bot_id=ws.bot_id,
        definition=definition,
        hash=_new_hash(ws),
        values=block_kit.initial_values(definition["blocks"]),
    )
    ws.views[view.id] = view
    return view


def open_modal(ws: Workspace, user_id: str, raw: Any) -> StoredView:
    """A new root modal replaces whatever stack the person had open."""
    view = new_view(ws, user_id, raw)
    view.root_view_id = view.id
    for old in ws.modal_stacks.get(user_id, []):
        ws.views[old].is_open = False
    ws.modal_stacks[user_id] = [view.id]
    ws.view_shown(user_id)
    return view


def push_modal(ws: Workspace, user_id: str, raw: Any) -> StoredView:
    stack = ws.modal_stacks.setdefault(user_id, [])
    if len(stack) >= _MAX_STACK:
        raise ApiError("push_limit_reached")
    view = new_view(ws, user_id, raw)
    view.root_view_id = stack[0] if stack else view.id
    view.previous_view_id = stack[-1] if stack else None
    stack.append(view.id)
    ws.view_shown(user_id)
    return view


def replace_view(ws: Workspace, view: StoredView, raw: Any) -> StoredView:
    """Update in place: same id, new hash, inputs that still exist keep what the person typed."""
    definition = _definition(raw, kind=view.type)
    view.values = block_kit.carry_over(view.values, definition["blocks"])
    view.definition = definition
    view.hash = _new_hash(ws)
    view.errors = {}
    if view.type == "modal":
        ws.view_shown(view.user_id)
    return view


def close_top(ws: Workspace, user_id: str) -> None:
    stack = ws.modal_stacks.get(user_id, [])
    if stack:
        ws.views[stack.pop()].is_open = False
        ws.view_shown(user_id)


def clear_stack(ws: Workspace, user_id: str) -> None:
    while ws.modal_stacks.get(user_id):
        close_top(ws, user_id)


def _take_trigger(ctx: Context, args: Args) -> str:
    """Spend a trigger: unknown, reused and older-than-3-seconds triggers fail like in Slack."""
    trigger = ctx.workspace.triggers.get(args.get("trigger_id"))
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued_at > TRIGGER_LIFETIME:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger.user_id


def views_open(ctx: Context, args: Args) -> JSON:
    return _show_by_trigger(ctx, args, open_modal)


def views_push(ctx: Context, args: Args) -> JSON:
    return _show_by_trigger(ctx, args, push_modal)


def _show_by_trigger(ctx: Context, args: Args, show: Callable[[Workspace, str, Any], StoredView]) -> JSON:
    """Open or push: both spend the trigger of the person's action to show them a modal."""
    raw = args.structured("view")
    user_id = _take_trigger(ctx, args)
    view = show(ctx.workspace, user_id, raw)
    view.trigger_id = args.get("trigger_id")
    return {"view": view.to_api()}


def views_update(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    view_id, external_id = args.get("view_id"), args.get("external_id")
    if view_id:
        view = ws.views.get(view_id)
    else:
        view = next((v for v in ws.views.values() if external_id and v.external_id == external_id), None)
    if view is None or not view.is_open:
        raise ApiError("not_found")
    if args.get("hash") and args.get("hash") != view.hash:
        raise ApiError("hash_conflict")
    return {"view": replace_view(ws, view, args.structured("view")).to_api()}


def views_publish(ctx: Context, args: Args) -> JSON:
    ws = ctx.workspace
    user_id = ctx.user(args.required("user_id", "user_not_found")).id
    current_id = ws.home_views.get(user_id)
    if current_id is not None:
        current = ws.views[current_id]
        if args.get("hash") and args.get("hash") != current.hash:
            raise ApiError("hash_conflict")
        return {"view": replace_view(ws, current, args.structured("view")).to_api()}
    view = new_view(ws, user_id, args.structured("view"), kind="home")
    ws.home_views[user_id] = view.id
    return {"view": view.to_api()}


HANDLERS: dict[str, Handler] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
