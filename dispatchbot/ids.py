"""Callback, action and block ids: `blocks/` emits them and `handlers/` matches them."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    RETRY_FLOW_RUN = "flow_run_retry"
