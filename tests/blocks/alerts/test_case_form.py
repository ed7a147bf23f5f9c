"""The case form: prefilled for a new case and for an edit, read back with what is missing named, and the
timeline's words for an edit."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from dispatchbot.alerting.cases import CaseStatus, ResolutionReason
from dispatchbot.blocks.alerts.case_form import (
    CaseForm,
    OnCall,
    create_case_modal,
    edit_case_modal,
    edit_detail,
    read_case_form,
    read_channel,
    read_edited_case,
)
from dispatchbot.config.alerting import DEFAULT_CASE_PRIORITIES, CaseTypeSettings
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import BlockId, CallbackId
from tests.blocks.alerts import samples
from tests.blocks.limits import valid_view
from tests.blocks.samples import ALICE, BOB, CHANNEL
from tests.blocks.texts import mrkdwn

TYPES = [CaseTypeSettings(name="Storage", channel="#storage"), CaseTypeSettings(name="Security")]
PRIORITIES = DEFAULT_CASE_PRIORITIES


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


def submitted(view: dict[str, Any], **chosen: str | None) -> dict[str, Any]:
    """The view as Slack sends it back with `chosen` values by block id (text inputs take the text)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        block_id, kind = block["block_id"], block["element"]["type"]
        value = chosen.get(block_id, _initial(block["element"]))
        if kind == "static_select":
            state = {"type": kind, "selected_option": {"value": value} if value else None}
        elif kind == "users_select":
            state = {"type": kind, "selected_user": value}
        else:
            state = {"type": kind, "value": value}
        values[block_id] = {block_id: state}
    return {"id": "V1", "private_metadata": view["private_metadata"], "state": {"values": values}}


def _initial(given: dict[str, Any]) -> str | None:
    option = given.get("initial_option")
    return option["value"] if option else given.get("initial_value") or given.get("initial_user")


def test_a_new_case_proposes_the_oncall_and_the_default_priority() -> None:
    view = valid_view(
        create_case_modal(TYPES, PRIORITIES, channel_id=CHANNEL, oncall=OnCall(ALICE, "Database"))
    )
    assert view["callback_id"] == CallbackId.CREATE_CASE
    assert element(view, BlockId.ASSIGNEE)["initial_user"] == ALICE
    assert element(view, BlockId.PRIORITY)["initial_option"]["value"] == "Medium"
    assert element(view, BlockId.CASE_TYPE)["initial_option"]["value"] == "Storage"
    assert f"<@{ALICE}> is on call for Database." in mrkdwn(view)
    assert read_channel(view) == CHANNEL
    form = read_case_form(submitted(view, title="  Odd logins  "), TYPES, PRIORITIES, editing=False)
    assert form == CaseForm("Odd logins", "", "Storage", "Medium", ALICE)


def test_without_a_channel_or_oncall_the_form_says_where_and_proposes_nobody() -> None:
    view = valid_view(create_case_modal(TYPES, PRIORITIES, channel_id=None, description="a\nb"))
    assert "initial_user" not in element(view, BlockId.ASSIGNEE)
    assert element(view, BlockId.DESCRIPTION)["initial_value"] == "a\nb"
    assert any("the channel of its type" in text for text in mrkdwn(view))
    assert read_channel(view) is None
    assert read_channel({"private_metadata": "not json"}) is None
    assert read_channel({"private_metadata": json.dumps({"channel": 3})}) is None


def test_missing_and_unconfigured_choices_are_named() -> None:
    view = create_case_modal(TYPES, PRIORITIES, channel_id=None)
    with pytest.raises(InvalidForm) as refused:
        read_case_form(
            submitted(view, title=" ", case_type="Gone", priority="Urgent"), TYPES, PRIORITIES, editing=False
        )
    assert set(refused.value.errors) == {BlockId.TITLE, BlockId.CASE_TYPE, BlockId.PRIORITY}


def test_the_edit_form_shows_the_case_and_offers_escalated_only_to_an_escalated_case() -> None:
    case = samples.case(assignee=BOB, case_type="Security", status=CaseStatus.TRIAGE)
    view = valid_view(edit_case_modal(case, TYPES, PRIORITIES))
    assert view["callback_id"] == CallbackId.EDIT_CASE
    assert read_edited_case(view) == 3
    assert element(view, BlockId.TITLE)["initial_value"] == "Disk 95% on db1"
    assert element(view, BlockId.ASSIGNEE)["initial_user"] == BOB
    assert element(view, BlockId.STATUS)["initial_option"]["value"] == "triage"
    offered = [o["value"] for o in element(view, BlockId.STATUS)["options"]]
    assert offered == ["new", "triage", "stable", "closed"]
    escalated = edit_case_modal(replace(case, status=CaseStatus.ESCALATED, incident_id=7), TYPES, PRIORITIES)
    assert "escalated" in [o["value"] for o in element(escalated, BlockId.STATUS)["options"]]
    with pytest.raises(NotFound):
        read_edited_case({"private_metadata": "3; drop"})


def test_closing_through_the_form_takes_a_reason() -> None:
    view = edit_case_modal(samples.case(case_type="Storage"), TYPES, PRIORITIES)
    with pytest.raises(InvalidForm) as refused:
        read_case_form(submitted(view, status="closed"), TYPES, PRIORITIES, editing=True)
    assert set(refused.value.errors) == {BlockId.REASON}
    form = read_case_form(
        submitted(view, status="closed", reason="Benign", resolution="a drill"),
        TYPES,
        PRIORITIES,
        editing=True,
    )
    assert (form.status, form.reason, form.resolution) == (
        CaseStatus.CLOSED,
        ResolutionReason.BENIGN,
        "a drill",
    )


def test_the_edit_line_names_each_changed_field_old_to_new() -> None:
    case = samples.case(status=CaseStatus.TRIAGE, assignee=ALICE)
    form = CaseForm(case.title, case.description, case.case_type, "High", BOB, CaseStatus.STABLE)
    assert edit_detail(case, form) == "status Triage → Stable, priority Medium → High"
    unchanged = replace(form, case_priority="Medium", status=CaseStatus.TRIAGE)
    assert edit_detail(case, unchanged) == ""  # the assignee is a line of its own
    renamed = replace(unchanged, title="x" * 300, description="new", reason=ResolutionReason.BENIGN)
    detail = edit_detail(case, renamed)
    assert detail.startswith("title Disk 95% on db1 → xxx")
    assert detail.endswith("…, description, reason none → Benign")
