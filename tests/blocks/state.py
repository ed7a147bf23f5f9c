"""Submitted views as Slack sends them, for the parsers: `values(title=typed("x"))` is
`view.state.values`, each input's action_id equal to its block_id (as `common` builds them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId

Entry = dict[str, Any]


def elements(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A built modal's input elements by block id: what its submission's values will be keyed by."""
    return {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}


def values(**entries: Entry | None) -> dict[str, Any]:
    """`view.state.values`; an entry given as None is an input left empty (Slack still sends it)."""
    return {block_id: {block_id: entry or {}} for block_id, entry in entries.items()}


def view(metadata: str = "7", **entries: Entry | None) -> dict[str, Any]:
    """A submitted modal: its private_metadata and its state."""
    return {"private_metadata": metadata, "state": {"values": values(**entries)}}


def typed(text: str) -> Entry:
    return {"type": "plain_text_input", "value": text}


def chosen(value: str) -> Entry:
    return {"type": "static_select", "selected_option": {"value": value}}


def user(user_id: str) -> Entry:
    return {"type": "users_select", "selected_user": user_id}


def users(*user_ids: str) -> Entry:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def conversations(*channel_ids: str) -> Entry:
    return {"type": "multi_conversations_select", "selected_conversations": list(channel_ids)}


def picked(key: str, value: str) -> Entry:
    """A date or time picker: `picked("selected_date", "2026-05-01")`."""
    return {key: value}


def checked(*option_values: str) -> Entry:
    return {"type": "checkboxes", "selected_options": [{"value": value} for value in option_values]}


def incident_form(**changes: Entry | None) -> dict[str, Any]:
    """The Report and Update Incident forms filled in (with `samples.catalog("Outage", "Degraded")`'s
    names), changed where a test says; each parser reads the fields it has."""
    filled = {
        BlockId.TITLE: typed(" Checkout errors "),
        BlockId.DESCRIPTION: typed("Cards fail"),
        BlockId.RESOLUTION: typed(" Rolled back "),
        BlockId.STATUS: chosen("stable"),
        BlockId.INCIDENT_TYPE: chosen("Degraded"),
        BlockId.SEVERITY: chosen("Degraded"),
        BlockId.PRIORITY: chosen("Outage"),
        BlockId.VISIBILITY: chosen("restricted"),
    }
    return values(**{**filled, **changes})


def refused(read: Callable[[], object]) -> dict[str, str]:
    """The error message per block id that `read` raised `InvalidForm` with."""
    with pytest.raises(InvalidForm) as raised:
        read()
    return raised.value.errors
