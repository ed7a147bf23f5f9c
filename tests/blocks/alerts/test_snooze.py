"""The snooze form and its reading: the offered entities come back only when ticked, and a tampered
form reads as a missing signal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dispatchbot.blocks.alerts.snooze import SnoozeForm, read_snooze_form, snooze_detail, snooze_modal
from dispatchbot.errors import InvalidForm, NotFound


def submitted(view: dict[str, object], expires: str | None, ticked: list[str]) -> dict[str, object]:
    values = {
        "expires": {"expires": {"type": "static_select", "selected_option": expires and {"value": expires}}},
        "entities": {"entities": {"type": "checkboxes", "selected_options": [{"value": v} for v in ticked]}},
    }
    return {"private_metadata": view["private_metadata"], "state": {"values": values}}


def test_the_form_offers_each_entity_and_reads_back_the_ticked_ones() -> None:
    view = snooze_modal("Disk full", {"host": "db1", "region": "eu"}, 3)
    labels = [o["text"]["text"] for b in view["blocks"] for o in b.get("element", {}).get("options", [])]
    assert "host = db1" in labels
    assert "region = eu" in labels
    assert read_snooze_form(submitted(view, "1 day", ["host"])) == SnoozeForm(
        "Disk full", 3, "1 day", {"host": "db1"}
    )
    assert read_snooze_form(submitted(view, "1 hour", [])) == SnoozeForm("Disk full", 3, "1 hour", {})
    from_list = snooze_modal("Disk full", {}, None, "C123")
    assert read_snooze_form(submitted(from_list, "1 week", [])).channel == "C123"


def test_without_entities_there_is_nothing_to_narrow() -> None:
    view = snooze_modal("Disk full", {}, None)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["expires"]


def test_a_missing_expiry_and_a_tampered_form_are_refused() -> None:
    view = snooze_modal("Disk full", {}, 3)
    with pytest.raises(InvalidForm):
        read_snooze_form(submitted(view, None, []))
    with pytest.raises(NotFound):
        read_snooze_form(submitted({"private_metadata": json.dumps({"x": 1})}, "1 hour", []))


def test_the_detail_says_what_and_until_when() -> None:
    until = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
    assert (
        snooze_detail("Disk full", {"host": "db1"}, until)
        == "Disk full where host = db1 until 2030-03-04 10:00 UTC"
    )
