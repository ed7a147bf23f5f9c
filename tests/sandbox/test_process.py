"""`dispatchbot sandbox` as a user runs it: one command, a URL, an incident reported through the UI's
HTTP API as alice, and Ctrl-C stopping everything cleanly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sandbox.dom import label_for, one, parse, text_of
from tests.support.bot import REPO, free_port
from tests.support.waiting import eventually_value

pytestmark = pytest.mark.slow

READY = re.compile(rb"ready at (http://127\.0\.0\.1:\d+/)")


class Sandbox:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self.http = aiohttp.ClientSession()

    async def fragment(self, path: str, **query: str) -> Any:
        async with self.http.get(self.url + path.lstrip("/"), params=query) as response:
            assert response.status == 200, await response.text()
            return parse(await response.text())

    async def post(self, path: str, **body: Any) -> None:
        async with self.http.post(self.url + path.lstrip("/"), json=body) as response:
            assert response.status == 200, await response.text()

    async def json(self, path: str) -> Any:
        async with self.http.get(self.url + path.lstrip("/")) as response:
            return await response.json()


def sandbox_environment() -> dict[str, str]:
    """This environment without DISPATCHBOT_* settings or proxies, able to import this checkout."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISPATCHBOT_") and "proxy" not in name.lower()
    }
    return environment | {"PYTHONPATH": str(REPO)}


async def launch(tmp_path: Path, port: int) -> asyncio.subprocess.Process:
    """`dispatchbot sandbox --port PORT --db tmp_path/sandbox.db`, run in tmp_path, output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dispatchbot",
        "sandbox",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "sandbox.db"),
        cwd=tmp_path,
        env=sandbox_environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    process = await launch(tmp_path, free_port())
    assert process.stdout is not None
    seen = b""
    try:
        async with asyncio.timeout(60):
            while not (ready := READY.search(seen)):
                line = await process.stdout.readline()
                assert line, f"the sandbox ended: {seen!r}"
                seen += line
        running = Sandbox(process, ready.group(1).decode())
        try:
            yield running
        finally:
            await running.http.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_report_an_incident_as_alice_then_ctrl_c(sandbox: Sandbox, tmp_path: Path) -> None:
    session = await sandbox.json("/api/session")
    alice = next(p["id"] for p in session["people"] if p["name"] == "alice")
    assert "/dispatch-report-incident" in session["commands"]
    general = session["start"]
    sidebar = await sandbox.fragment("/api/sidebar", **{"as": alice})
    assert [text_of(a) for a in one(sidebar, "nav").iterfind(".//ul[1]/li/a")][:3] == [
        "# alerts",
        "# general",
        "# incidents",
    ]

    await sandbox.post("/api/send", **{"as": alice, "channel": general, "text": "/dispatch-report-incident"})

    async def modal() -> Any:
        return (await sandbox.fragment("/api/modal", **{"as": alice})).find(".//div[@role='dialog']")

    dialog = await eventually_value(modal, what="the report modal")
    title_id = dialog.get("aria-labelledby")
    assert text_of(one(dialog, f".//*[@id='{title_id}']")) == "Report Incident"
    inputs = {label_for(dialog, c): c for c in dialog.iterfind(".//*[@data-kind='plain_text_input']")}
    values = {
        inputs[label].get("data-block-id"): {inputs[label].get("data-action-id"): value}
        for label, value in (("Title", "DB latency"), ("Description (optional)", "p99 is 5 s"))
    }
    await sandbox.post(
        "/api/submit", **{"as": alice, "view_id": dialog.get("data-view-id"), "values": values}
    )

    async def incident_link() -> Any:
        nav = await sandbox.fragment("/api/sidebar", **{"as": alice})
        return next((a for a in nav.iterfind(".//a") if text_of(a) == "# inc-1-db-latency"), None)

    link = await eventually_value(incident_link, what="the incident channel in alice's sidebar")
    channel_id = link.get("data-channel")

    async def pinned_header() -> Any:
        channel = await sandbox.fragment(f"/api/channel/{channel_id}", **{"as": alice})
        return next(
            (m for m in channel.iterfind(".//li[@class='message']") if "📌 Pinned" in text_of(m)), None
        )

    header = await eventually_value(pinned_header, what="the pinned header")
    assert text_of(one(header, ".//h3")) == "INC-1: DB latency"
    assert "Join" in [b.text for b in header.iterfind(".//button")]

    sandbox.process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(sandbox.process.wait(), 10) == 0
    assert sandbox.process.stderr is not None
    errors = await sandbox.process.stderr.read()
    assert b"Traceback" not in errors, errors.decode()
    assert (tmp_path / "sandbox.log").read_text().count("bot.stopped") == 1


async def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await launch(tmp_path, port)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert (
        err.decode() == f"dispatchbot: port {port} is in use or not allowed — pass --port with another one\n"
    )
    assert b"ready" not in out
    assert not (tmp_path / "sandbox.log").exists()


async def test_a_database_from_a_newer_release_is_one_clear_line(tmp_path: Path) -> None:
    """A kept sandbox database a newer dispatchbot migrated: the bot's own one-line refusal, not a
    traceback nor the log of earlier runs."""
    database = tmp_path / "sandbox.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('f00dcafe')")
    (tmp_path / "sandbox.log").write_text("an earlier run's line\n")
    process = await launch(tmp_path, free_port())
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert b"ready" not in out
    [line] = err.decode().splitlines()
    assert line.startswith(f"dispatchbot: the bot cannot start: database sqlite+aiosqlite:///{database}: ")
    assert "its schema is at revision f00dcafe, written by a newer dispatchbot than this one" in line
