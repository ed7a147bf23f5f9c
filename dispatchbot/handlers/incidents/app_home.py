"""The App Home tab: published afresh every time someone opens it, so it never shows a stale list."""

from __future__ import annotations

from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import app_home
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    @router.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab: nothing to publish
        deps.background.spawn(app_home.publish(deps, event["user"]), name="publish-home")
