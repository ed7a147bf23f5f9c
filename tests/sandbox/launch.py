"""Start `dispatchbot sandbox` with any arguments and talk to its UI: for the process tests of the
vendors, panels, demo seed and restarts."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from dispatchbot.commands import Command
from dispatchbot.config.sections import CommandSettings
from tests.sandbox.dom import label_for, text_of
from tests.sandbox.test_process import READY, Sandbox, sandbox_environment
from tests.support.bot import free_port
from tests.support.waiting import eventually_value

START_SECONDS = 60
FAILURES = re.compile(
    r"went wrong|not a valid command|unknown command|Traceback|did not respond", re.IGNORECASE
)
"""What a person must never see after using the bot through the page."""


@asynccontextmanager
async def sandbox(tmp_path: Path, *arguments: str) -> AsyncIterator[tuple[Sandbox, str]]:
    """The running sandbox and what it printed up to its URL; unless the test ended it, stopped with
    Ctrl-C (SIGINT) at the end, which must end it cleanly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dispatchbot",
        "sandbox",
        "--port",
        str(free_port()),
        *arguments,
        cwd=tmp_path,
        env=sandbox_environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    seen = b""
    try:
        async with asyncio.timeout(START_SECONDS):
            while not (ready := READY.search(seen)):
                line = await process.stdout.readline()
                assert line, f"the sandbox ended: {seen!r} {await process.stderr.read()!r}"
                seen += line
        running = Sandbox(process, ready.group(1).decode())
        try:
            yield running, seen.decode()
        finally:
            await running.http.close()
        if process.returncode is None:  # not ended by the test itself
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 20) == 0
            errors = await process.stderr.read()
            assert b"Traceback" not in errors, errors.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def person(running: Sandbox, name: str) -> str:
    session = await running.json("/api/session")
    return str(next(p["id"] for p in session["people"] if p["name"] == name))


async def channel_named(running: Sandbox, viewer: str, name: str) -> str | None:
    """The id of the channel the viewer's sidebar lists as ``# name``."""
    nav = await running.fragment("/api/sidebar", **{"as": viewer})
    link = next((a for a in nav.iterfind(".//a") if text_of(a) == f"# {name}"), None)
    return None if link is None else link.get("data-channel")


async def fill_modal(
    running: Sandbox, viewer: str, command: str, channel: str, values: dict[str, str]
) -> None:
    """Run ``command`` in ``channel``, then fill the modal it opens by label and submit it."""
    await running.post("/api/send", **{"as": viewer, "channel": channel, "text": command})

    async def modal() -> Any:
        return (await running.fragment("/api/modal", **{"as": viewer})).find(".//div[@role='dialog']")

    dialog = await eventually_value(modal, what=f"the modal of {command}")
    controls = {label_for(dialog, c): c for c in dialog.iterfind(".//*[@data-block-id]") if c.get("id")}
    entered = {
        controls[label].get("data-block-id"): {controls[label].get("data-action-id"): value}
        for label, value in values.items()
    }
    await running.post(
        "/api/submit", **{"as": viewer, "view_id": dialog.get("data-view-id"), "values": entered}
    )


async def answer(running: Sandbox, path: str, **body: Any) -> Any:
    """POST JSON and return the JSON answer, whatever its status."""
    async with running.http.post(running.url + path.lstrip("/"), json=body) as response:
        return await response.json()


def name_of(command: Command) -> str:
    """The command's name as the sandbox configures it (no config file: the defaults)."""
    return str(getattr(CommandSettings(), command))
