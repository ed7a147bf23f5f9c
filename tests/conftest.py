"""Fixtures shared by every test: a clean environment, a temporary database on each backend, the fake
Slack workspace."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pytest_asyncio import is_async_test

from dispatchbot.storage import migrate
from dispatchbot.storage.engine import Database, open_database
from dispatchbot.testing import FakeGitHub, FakeSlack, FakeWorkflowWebhook
from dispatchbot.testing.postgres import scratch_database
from tests.support import leftover_tasks

POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """No proxies (slack_sdk ignores NO_PROXY), no operator settings, no ./config.toml from the repo."""
    for name in (*PROXY_VARIABLES, "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("DISPATCHBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> None:
    """Note the test's time limit for `no_leftover_tasks`; pytest-timeout's own hook sets the timer."""
    item.stash[leftover_tasks.TIME_LIMIT] = float(settings.timeout)


@pytest.fixture(autouse=True)
async def no_leftover_tasks(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """An async test fails if a task it (or a fixture) started is still running once all its other
    fixtures are torn down: such a task is a leak, and one that ignores cancellation hangs the loop's
    close. Autouse fixtures are set up first, so this teardown runs after every other fixture's.
    Should the test hang instead, its tasks are listed on stderr just before the time limit."""
    if not is_async_test(request.node):
        yield
        return
    leftover_tasks.report_tasks_before(request.node.stash.get(leftover_tasks.TIME_LIMIT, None))
    yield
    await leftover_tasks.check_no_leftover_tasks()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A fresh, empty database on each backend; PostgreSQL only when TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/dispatchbot.db"
        return
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set (scripts/test runs PostgreSQL tests when it is)")
    async with scratch_database(server, "t") as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database, disposed after the test."""
    db = open_database(database_url)
    await migrate.upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A fresh fake Slack workspace, serving on a free local port until the test ends."""
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def workflow_webhook() -> AsyncIterator[FakeWorkflowWebhook]:
    """A fake workflow server (Dispatch's generic workflow protocol) on a free local port; `.settings()`
    is the `[webhook]` section that points at it."""
    async with FakeWorkflowWebhook() as fake:
        yield fake


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    """A fake GitHub (Actions REST API) on a free local port; `.settings()` is the `[github_actions]`
    section that points at it. Declare workflows with `declare_workflow` before dispatching them."""
    async with FakeGitHub() as fake:
        yield fake
