"""Tasks: the Create Task modal and parser, the card, the lists, the overdue reminder and notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dispatchbot.blocks.tasks import tasks
from dispatchbot.blocks.tasks.tasks import DESCRIPTION_LIMIT, TaskForm
from dispatchbot.ids import ActionId, BlockId
from dispatchbot.mrkdwn import Mrkdwn
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import ALICE, BOB, CAROL, CHANNEL, NOW
from tests.blocks.state import elements, picked, refused, typed, users, values
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_create_modal_defaults_the_due_time_in_the_persons_zone() -> None:
    view = valid_view(tasks.create_task_modal(samples.incident(), "Europe/Berlin", NOW, 4))
    inputs = elements(view)
    assert (inputs[BlockId.DATE]["initial_date"], inputs[BlockId.TIME]["initial_time"]) == (
        "2026-05-01",
        "15:30",
    )
    assert tasks.read_form_context(view["private_metadata"]) == (7, "Europe/Berlin")


def test_an_unknown_zone_is_read_as_utc() -> None:
    view = tasks.create_task_modal(samples.incident(), "Nowhere/Special", NOW, 1)
    assert json.loads(view["private_metadata"])["tz"] == "UTC"


def submitted(**changes: dict[str, object] | None) -> dict[str, object]:
    entries = {
        BlockId.ASSIGNEES: users(BOB, CAROL, BOB),
        BlockId.DESCRIPTION: typed(" Roll back "),
        BlockId.DATE: picked("selected_date", "2026-05-01"),
        BlockId.TIME: picked("selected_time", "08:00"),
    }
    return values(**{**entries, **changes})


def test_parser_reads_the_task_due_in_utc_even_when_past() -> None:
    form = tasks.read_task_form(submitted(), "Europe/Berlin")
    assert form == TaskForm((BOB, CAROL), "Roll back", datetime(2026, 5, 1, 6, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "changes",
    [
        {BlockId.ASSIGNEES: None},
        {BlockId.ASSIGNEES: users(*(f"U{n:04d}" for n in range(21)))},
        {BlockId.DESCRIPTION: typed(" ")},
        {BlockId.DESCRIPTION: typed("x" * (DESCRIPTION_LIMIT + 1))},
        {BlockId.DATE: picked("selected_date", "someday")},
        {BlockId.TIME: None},
    ],
)
def test_parser_names_the_field_to_fix(changes: dict[str, dict[str, object] | None]) -> None:
    assert set(refused(lambda: tasks.read_task_form(submitted(**changes), "UTC"))) == set(changes)


def test_card_of_an_open_and_a_resolved_task() -> None:
    open_text, open_blocks = tasks.task_card(samples.task(id=9))
    valid_message((open_text, open_blocks))
    assert open_text == f"Task for <@{BOB}>, <@{CAROL}>: Roll back the release"
    assert open_blocks[0]["block_id"] == tasks.card_marker(9) == "task-9"
    assert open_blocks[-1]["elements"][0]["action_id"] == ActionId.RESOLVE_TASK
    resolved = valid_message(tasks.task_card(samples.resolved_task()))
    assert resolved[-1]["elements"][0]["action_id"] == ActionId.REOPEN_TASK
    assert resolved[1]["fields"][-1]["text"].startswith(f"*Status*\nResolved by <@{BOB}> <!date^")


def test_an_empty_list_says_so() -> None:
    view = valid_view(tasks.tasks_modal("Tasks", Mrkdwn("intro"), [], changeable=(), scope="7"))
    assert mrkdwn(view) == ["intro", "No tasks.", "No tasks."]
    assert view["private_metadata"] == "7"


def test_list_orders_open_by_due_and_resolved_latest_first() -> None:
    listed = [
        samples.task(id=1, due_at=NOW + timedelta(hours=2)),
        samples.task(id=2, due_at=NOW + timedelta(hours=1)),
        samples.resolved_task(id=3, resolved_at=NOW),
        samples.resolved_task(id=4, resolved_at=NOW + timedelta(hours=1)),
    ]
    view = tasks.tasks_modal(
        "Tasks", Mrkdwn("intro"), listed, changeable={2, 4}, references={7: "INC-7"}, scope="mine"
    )
    valid_view(view)
    lines = [block for block in view["blocks"] if block["type"] == "section"]
    assert [line.get("accessory", {}).get("value") for line in lines] == ["2", None, "4", None]
    assert all(line["text"]["text"].startswith("*INC-7* · ") for line in lines)


def test_sixty_of_each_with_the_longest_descriptions_fit_in_a_modal() -> None:
    longest = "x" * DESCRIPTION_LIMIT
    listed = [
        *samples.many(samples.task, 60, description=longest),
        *samples.many(samples.resolved_task, 60, description=longest),
    ]
    view = valid_view(
        tasks.tasks_modal("x" * 100, Mrkdwn("intro"), listed, changeable=range(200), scope="mine")
    )
    headers = [block["text"]["text"] for block in view["blocks"] if block["type"] == "header"]
    assert headers == ["Open tasks (60)", "Resolved tasks (60)"]
    assert mrkdwn(view)[-1] == "…and 26 more not shown."


@pytest.mark.parametrize(
    "description", ["x" * DESCRIPTION_LIMIT, "<&>" * 500], ids=["long", "long once escaped"]
)
def test_a_list_line_always_says_who_and_when(description: str) -> None:
    """Even a description at its limit leaves room for the assignees and due time (a bug once clipped
    them away when escaping made the description longer)."""
    task = samples.resolved_task(description=description)
    view = valid_view(tasks.tasks_modal("Tasks", Mrkdwn("intro"), [task], changeable=(), scope="7"))
    line = next(block for block in view["blocks"] if block["type"] == "section")["text"]["text"]
    assert f"\nAssigned to <@{BOB}>, <@{CAROL}> by <@{ALICE}> · due <!date^" in line
    assert line.split("\n")[-1].startswith(f"Resolved by <@{BOB}>")


def test_overdue_reminder_and_its_redraw_once_resolved() -> None:
    text, blocks = tasks.overdue_reminder(samples.task(), samples.incident())
    valid_message((text, blocks))
    assert text == "Your task in INC-7 is overdue: Roll back the release"
    assert f"(<#{CHANNEL}>) was due <!date^" in blocks[0]["text"]["text"]
    resolved = tasks.overdue_reminder(samples.resolved_task(), samples.incident())
    assert len(valid_message(resolved)) == 1


def test_notices_about_tasks() -> None:
    assert tasks.added_for_task(samples.incident(), ALICE, "x" * 900).endswith("x…")
    twelve = tasks.stay_for_tasks(samples.incident(), samples.many(samples.task, 12))
    assert twelve.count("• ") == 10
    assert twelve.endswith("\n…and 2 more")
    assert tasks.people([]) == "nobody"
    assert tasks.status(samples.task()) == "Open"
    assert tasks.status(samples.resolved_task(resolved_by=None, resolved_at=None)) == "Resolved"


def test_typed_descriptions_are_escaped() -> None:
    hostile = samples.task(description=HOSTILE)
    incident = samples.incident(title=HOSTILE)
    for output in (
        tasks.task_card(hostile),
        tasks.overdue_reminder(hostile, incident),
        tasks.added_for_task(incident, ALICE, HOSTILE),
        tasks.stay_for_tasks(incident, [hostile]),
        tasks.tasks_modal("T", Mrkdwn("i"), [hostile], changeable=(), references={7: HOSTILE}, scope="m")[
            "blocks"
        ],
    ):
        shown_escaped(output)


def test_times_and_zones() -> None:
    assert tasks.when(NOW).endswith("|2026-05-01 09:30 UTC>")
    assert tasks.zone_or_utc("").key == "UTC"
