"""On-call: the engage modal and its parser, its answers, and what the ack loop says in the channel."""

from __future__ import annotations

import pytest

from dispatchbot.blocks.oncall import oncall
from dispatchbot.blocks.oncall.oncall import EngageForm
from dispatchbot.errors import NotFound
from dispatchbot.ids import BlockId
from dispatchbot.mrkdwn import escape, mention
from tests.blocks import samples
from tests.blocks.limits import valid_message, valid_view
from tests.blocks.samples import BOB, CAROL
from tests.blocks.state import checked, chosen, refused, view
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE

SERVICES = [samples.service(), samples.service(name="Search", description="")]


def test_engage_modal_offers_each_service_with_what_it_covers() -> None:
    modal = valid_view(oncall.engage_modal(samples.incident(), SERVICES))
    service = next(block for block in modal["blocks"] if block.get("block_id") == BlockId.SERVICE)
    offered = [(o["text"]["text"], o["value"]) for o in service["element"]["options"]]
    assert offered == [("Payments — Card payments", "Payments"), ("Search", "Search")]
    assert modal["private_metadata"] == "7"


def test_engage_modal_with_a_hundred_long_services_stays_within_limits() -> None:
    services = [samples.service(name=f"{n:03d}" + "s" * 72, description="d" * 500) for n in range(120)]
    valid_view(oncall.engage_modal(samples.incident(title="t" * 150), services))


@pytest.mark.parametrize(("page", "expected"), [(checked("page"), True), (None, False)])
def test_parser_reads_service_and_page(page: dict | None, expected: bool) -> None:
    submitted = view("7", service=chosen("Search"), page=page)
    assert oncall.read_engage_form(submitted, SERVICES) == EngageForm(7, "Search", expected)


def test_parser_refuses_an_unknown_service_and_a_stale_form() -> None:
    assert set(refused(lambda: oncall.read_engage_form(view(service=chosen("Gone")), SERVICES))) == {
        BlockId.SERVICE
    }
    with pytest.raises(NotFound):
        oncall.read_engage_form(view("", service=chosen("Search")), SERVICES)


@pytest.mark.parametrize(("page", "doing"), [(True, "Finding and paging"), (False, "Finding")])
def test_engaging_and_result_modals(page: bool, doing: str) -> None:
    engaging = valid_view(oncall.engaging_modal(EngageForm(7, "Payments", page)))
    assert mrkdwn(engaging) == [f":hourglass_flowing_sand: {doing} the on-call person of *Payments*…"]
    valid_view(oncall.result_modal(oncall.NO_SERVICES_TEXT))


def test_answers_name_the_person_and_the_provider() -> None:
    assert oncall.engaged_text(BOB, "Payments", paged=True).endswith("was invited and paged.")
    assert f"<@{CAROL}> was paged." in oncall.already_engaged_text(BOB, "Payments", paged_user=CAROL)
    assert oncall.provider_down_text("opsgenie", "timeout").startswith(":warning: Opsgenie did not answer")
    assert oncall.provider_label("custom") == "custom"
    assert oncall.trouble_text("pagerduty", rate_limited=True) == "PagerDuty is rate-limiting us"
    assert "not answering" in oncall.page_delayed_note("pagerduty", rate_limited=False)


@pytest.mark.parametrize("who", [mention(BOB), escape("Carol (PagerDuty)")])
def test_channel_messages_are_single_sections(who: str) -> None:
    for message in (
        oncall.page_delayed(who, samples.service(), rate_limited=True),
        oncall.page_failed(who, samples.service(), "refused"),
        oncall.escalation_message(who, "Payments", 15),
    ):
        blocks = valid_message(message)
        assert blocks[0]["text"]["text"] == message[0]


def test_provider_and_typed_text_is_escaped() -> None:
    hostile = samples.service(name=HOSTILE[:75], description=HOSTILE)
    shown_escaped(valid_view(oncall.engage_modal(samples.incident(title=HOSTILE), [hostile]))["blocks"])
    for text in (
        oncall.unknown_email_text(HOSTILE, HOSTILE),
        oncall.service_gone_text(HOSTILE),
        oncall.page_failed_text(BOB, HOSTILE, "pagerduty", HOSTILE),
        oncall.provider_down_text(HOSTILE, HOSTILE),
    ):
        shown_escaped(text)
    shown_escaped(oncall.page_failed(escape(HOSTILE), samples.service(), HOSTILE))
