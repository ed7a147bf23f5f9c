"""`--seed demo` and restarts: the demo's incidents in their states (the High one's commander paged),
made by the real bot; with `--db`, a restart shows the same workspace (channels, messages) and is not
seeded twice; without it, every start is fresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.dom import text_of
from tests.sandbox.launch import channel_named, person, sandbox
from tests.support.waiting import eventually_value

pytestmark = pytest.mark.slow

INCIDENTS = (
    "inc-1-checkout-latency-above-2-s",
    "inc-2-search-index-lagging",
    "inc-3-login-errors-for-eu-users",
)


async def sidebar(running: Any, viewer: str) -> dict[str, str]:
    """Channel name → its flags (``archived``, ...) as the viewer's sidebar lists them."""
    nav = await running.fragment("/api/sidebar", **{"as": viewer})
    return {
        text_of(a).removeprefix("# "): " ".join(text_of(f) for f in item.iterfind("span"))
        for item in nav.iterfind(".//li")
        for a in item.iterfind("a")
    }


async def test_the_demo_seed_then_a_restart_on_the_same_database(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    async with sandbox(tmp_path, "--seed", "demo", "--db", str(database)) as (running, _):
        alice = await person(running, "alice")

        async def seeded() -> dict[str, str] | None:
            listed = await sidebar(running, alice)
            return listed if "archived" in listed.get(INCIDENTS[2], "") else None  # the last one, closed

        listed = await eventually_value(seeded, within=40, what="the demo incidents")
        assert all(name in listed for name in INCIDENTS)
        search = await channel_named(running, alice, INCIDENTS[1])
        header = await running.fragment(f"/api/channel/{search}", **{"as": alice})
        assert "Status: Stable" in text_of(header)
        checkout = await channel_named(running, alice, INCIDENTS[0])
        channel = text_of(await running.fragment(f"/api/channel/{checkout}", **{"as": alice}))
        assert "Tactical report" in channel
        assert "Compare the last two deploys" in channel
        alerts = await channel_named(running, alice, "alerts")

        async def alerted() -> bool | None:
            shown = text_of(await running.fragment(f"/api/channel/{alerts}", **{"as": alice}))
            return True if "Disk 95% on db1" in shown else None

        await eventually_value(alerted, within=20, what="the demo alert in #alerts")

        async def paged() -> str | None:
            pager = text_of(await running.fragment("/api/panels/pager", **{"as": alice}))
            return pager if "Checkout latency" in pager else None

        assert "assigned to Alice Adams" in await eventually_value(paged, what="the commander's page")

    assert (tmp_path / "demo.db.workspace.json").is_file()
    async with sandbox(tmp_path, "--seed", "demo", "--db", str(database)) as (running, printed):
        assert "not seeding" in printed
        alice = await person(running, "alice")
        listed = await sidebar(running, alice)
        assert all(name in listed for name in INCIDENTS)
        assert not any(name.startswith("inc-4") for name in listed)
        checkout = await channel_named(running, alice, INCIDENTS[0])
        assert "Tactical report" in text_of(
            await running.fragment(f"/api/channel/{checkout}", **{"as": alice})
        )


async def test_without_db_each_start_is_fresh(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as (running, printed):
        assert "fresh, removed at exit" in printed
        alice = await person(running, "alice")
        assert "inc-1" not in " ".join(await sidebar(running, alice))
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 - the sandbox has stopped


async def test_a_killed_sandbox_takes_its_bot_with_it(tmp_path: Path) -> None:
    async with sandbox(tmp_path, "--db", str(tmp_path / "killed.db")) as (running, _):
        pid = running.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if not children.exists():  # noqa: ASYNC240 - /proc is not a disk
            pytest.skip("needs Linux's /proc")
        (bot,) = map(int, children.read_text().split())  # noqa: ASYNC240
        running.process.kill()
        await running.process.wait()

        async def gone() -> bool | None:
            return None if Path(f"/proc/{bot}").exists() and "Z" not in _state(bot) else True  # noqa: ASYNC240

        await eventually_value(gone, what="the bot to stop")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"
