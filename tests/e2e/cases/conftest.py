"""The `open_desk` fixture of the case end-to-end tests (see support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dispatchbot.testing import FakeSlack
from tests.e2e.cases.support import OpenDesk, desks


@pytest.fixture
async def open_desk(slack: FakeSlack, database_url: str) -> AsyncIterator[OpenDesk]:
    async with desks(slack, database_url) as open_:
        yield open_
