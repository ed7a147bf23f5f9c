"""Tests that run two bots on one database at once: only PostgreSQL supports that."""

from __future__ import annotations

import pytest


def skip_unless_replicas_supported(database_url: str) -> None:
    """Skip the calling test on SQLite, which is single-replica by design."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL; SQLite is single-replica by design")
