"""Keeping the workspace with the database: `--db PATH` saves the fake Slack's workspace to
`PATH.workspace.json` at exit and loads it at the next start, so the incidents in the bot's database
still have their channels, messages, pins and App Home views.

What is kept is what Slack keeps: people, conversations, messages, views and the id and ts counters
(so new ids never collide with saved ones). What Slack forgets is dropped: ephemerals, open modals,
unused triggers and response URLs. The vendor fakes are not kept: PagerDuty, Opsgenie and Google start
empty again, so pages and documents of earlier incidents are unknown to them (the bot copes, as with
a vendor that lost them). A snapshot from another version of this format is refused with a
message rather than half-loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dispatchbot.testing.slack.state import Bookmark, Channel, Message, Pin, StoredView, User, Workspace

FORMAT = 1


class SnapshotError(Exception):
    """The saved workspace cannot be loaded; the message says why and what to do."""


def path_for(database: Path) -> Path:
    return database.with_name(database.name + ".workspace.json")


def save(ws: Workspace, path: Path) -> None:
    """Write atomically, so a crash while saving leaves the previous snapshot."""
    state = {
        "format": FORMAT,
        "team_id": ws.team_id,
        "users": [asdict(u) for u in ws.users.values()],
        "channels": [asdict(c) for c in ws.channels.values()],
        "messages": {cid: [asdict(m) for m in messages] for cid, messages in ws.messages.items()},
        "views": [
            asdict(v) | {"is_open": False} for v in ws.views.values() if v.id in ws.home_views.values()
        ],
        "home_views": ws.home_views,
        "counters": ws._counters,
        "last_ts": ws._last_ts,
    }
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state))
    os.replace(partial, path)


def load(ws: Workspace, path: Path) -> bool:
    """Replace ``ws``'s people and conversations with the saved ones; False when there is no snapshot."""
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        raise SnapshotError(
            f"{path} cannot be read ({exc}); move it away to start a fresh workspace"
        ) from None
    if state.get("format") != FORMAT or state.get("team_id") != ws.team_id:
        raise SnapshotError(
            f"{path} was saved by another version of the sandbox; move it away to start afresh"
        )
    ws.users = {u["id"]: User(**u) for u in state["users"]}
    ws.channels = {c["id"]: _channel(c) for c in state["channels"]}
    ws.messages = {cid: [Message(**m) for m in saved] for cid, saved in state["messages"].items()}
    ws.views = {v["id"]: StoredView(**v) for v in state["views"]}
    ws.home_views = dict(state["home_views"])
    ws._counters = dict(state["counters"])
    ws._last_ts = float(state["last_ts"])
    return True


def _channel(saved: dict[str, Any]) -> Channel:
    bookmarks = [Bookmark(**b) for b in saved.pop("bookmarks")]
    pins = [Pin(**p) for p in saved.pop("pins")]
    return Channel(**saved, bookmarks=bookmarks, pins=pins)
