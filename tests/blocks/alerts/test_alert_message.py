"""The alert's top-level message: what it shows in each state, its buttons, and its bounds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import AlertState
from dispatchbot.blocks.alerts.alert_message import alert_message
from dispatchbot.ids import ActionId
from tests.blocks.alerts import samples
from tests.blocks.alerts.samples import RUNBOOK_URL
from tests.blocks.limits import valid_message
from tests.blocks.samples import ALICE, BOB, CHANNEL, NOW
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def field(blocks: list[dict[str, Any]], label: str) -> str:
    """The value of the field labelled `label` in the message's fields section."""
    (found,) = [
        str(f["text"]).split("\n", 1)[1]
        for b in blocks
        for f in b.get("fields", [])
        if f["text"].startswith(f"*{label}*\n")
    ]
    return found


def actions(blocks: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (e["text"]["text"], e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_a_new_firing_alert() -> None:
    text, blocks = alert_message(samples.alert(), notified=[ALICE, BOB])
    valid_message((text, blocks))
    assert text == "[CRITICAL] Disk 95% on db1"
    assert "block_id" not in blocks[0]  # the caller puts its marker there
    assert blocks[0]["text"]["text"] == ":red_circle: *Disk 95% on db1*"
    assert blocks[1]["text"]["text"] == "The data volume of db1 is almost full."
    assert field(blocks, "Severity") == "Critical"
    assert field(blocks, "Status") == "Firing"
    assert field(blocks, "Source") == "<https://prom.example/graph?g0.expr=up&amp;g0.tab=1|prometheus>"
    assert field(blocks, "Runbook") == f"<{RUNBOOK_URL}|Runbook>"
    assert field(blocks, "Seen").startswith("Once, at <!date^")
    assert field(blocks, "Notified") == f"<@{ALICE}>, <@{BOB}>"
    assert blocks[3]["elements"][0]["text"] == "alertname=DiskFull · instance=db1"
    assert actions(blocks) == [
        ("Acknowledge", ActionId.ACKNOWLEDGE_ALERT, "7"),
        ("Declare incident", ActionId.DECLARE_FROM_ALERT, "7"),
    ]


def test_the_notification_text_never_mentions_anyone() -> None:
    text, _ = alert_message(samples.acknowledged(), notified=[ALICE, BOB], incident_channel=CHANNEL)
    assert text == "[CRITICAL] Disk 95% on db1"
    assert "<" not in text


def test_repeats_show_the_count_and_both_times() -> None:
    later = NOW + timedelta(hours=1)
    _, blocks = alert_message(samples.alert(count=12345, last_seen_at=later), notified=[])
    seen = field(blocks, "Seen")
    assert seen.startswith("12,345 times\nfirst <!date^")
    assert f"<!date^{int(later.timestamp())}^" in seen
    assert field(blocks, "Notified") == "nobody"


def test_acknowledged_offers_to_cancel() -> None:
    _, blocks = alert_message(samples.acknowledged(), notified=[BOB])
    status = field(blocks, "Status")
    assert status.startswith(f"Acknowledged by <@{ALICE}> until <!date^")
    assert status.endswith("|09:50 UTC>")
    assert [a[1] for a in actions(blocks)] == [ActionId.CANCEL_ALERT_ACK, ActionId.DECLARE_FROM_ALERT]


def test_acknowledged_by_the_source_names_it_as_text() -> None:
    _, blocks = alert_message(samples.acknowledged("source:pagerduty"), notified=[])
    assert field(blocks, "Status").startswith("Acknowledged by source:pagerduty until ")


def test_a_linked_incident_shows_its_channel_and_hides_declare() -> None:
    _, blocks = alert_message(samples.alert(incident_id=3), notified=[], incident_channel=CHANNEL)
    assert field(blocks, "Incident") == f"<#{CHANNEL}>"
    assert actions(blocks) == [("Acknowledge", ActionId.ACKNOWLEDGE_ALERT, "7")]
    _, blocks = alert_message(samples.alert(incident_id=3), notified=[])
    assert field(blocks, "Incident") == "Being declared…"


@pytest.mark.parametrize(
    ("state", "emoji", "status", "suffix"),
    [
        (AlertState.RESOLVED, ":white_check_mark:", "Recovered at <!date^", " (recovered)"),
        (AlertState.CLOSED, ":heavy_check_mark:", "Closed", " (closed)"),
    ],
)
def test_an_ended_alert_has_no_buttons(state: AlertState, emoji: str, status: str, suffix: str) -> None:
    alert = samples.acknowledged(state=state, resolved_at=NOW + timedelta(minutes=12))
    text, blocks = alert_message(alert, notified=[ALICE])
    valid_message((text, blocks))
    assert text == "[CRITICAL] Disk 95% on db1" + suffix
    assert blocks[0]["text"]["text"].startswith(emoji + " ")
    assert field(blocks, "Status").startswith(status)
    assert actions(blocks) == []


@pytest.mark.parametrize(
    ("severity", "emoji"),
    [
        (Severity.CRITICAL, ":red_circle:"),
        (Severity.ERROR, ":large_orange_circle:"),
        (Severity.WARNING, ":large_yellow_circle:"),
        (Severity.INFO, ":large_blue_circle:"),
    ],
)
def test_severity_emoji_and_label(severity: Severity, emoji: str) -> None:
    text, blocks = alert_message(samples.alert(severity=severity), notified=[])
    assert text.startswith(f"[{severity.value.upper()}] ")
    assert blocks[0]["text"]["text"].startswith(emoji + " ")
    assert field(blocks, "Severity") == severity.value.capitalize()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.example/x", "", "https://x.example/" + "a" * 2000]
)
def test_only_sane_http_urls_become_links(url: str) -> None:
    _, blocks = alert_message(samples.alert(source_url=url, runbook_url=url), notified=[])
    assert field(blocks, "Source") == "prometheus"
    if url:
        assert field(blocks, "Runbook") == "Runbook"


def test_thousands_of_labels_show_the_first_twenty_and_count_the_rest() -> None:
    labels = {f"key{n}": f"value{n}" for n in range(10_000)}
    text, blocks = alert_message(samples.alert(labels=labels), notified=[])
    valid_message((text, blocks))
    line = blocks[3]["elements"][0]["text"]
    assert line.startswith("key0=value0 · key1=value1 · ")
    assert "key19=value19 +9,980 more" in line


def test_huge_labels_are_clipped_and_counted_within_limits() -> None:
    labels = {HOSTILE * 30 + str(n): HOSTILE * 30 for n in range(50)}
    text, blocks = alert_message(samples.alert(labels=labels), notified=[])
    valid_message((text, blocks))
    line = blocks[-2]["elements"][0]["text"]
    assert line.endswith(" more")
    assert len(line) <= 3000


def test_many_people_notified_are_counted() -> None:
    people = [f"U{n:07d}" for n in range(500)]
    text, blocks = alert_message(samples.alert(), notified=people)
    valid_message((text, blocks))
    assert field(blocks, "Notified").startswith("<@U0000000>, <@U0000001>, ")
    assert field(blocks, "Notified").endswith(" +470 more")


def test_notified_names_that_are_not_ids_are_text() -> None:
    _, blocks = alert_message(samples.alert(), notified=["alice@example.com", "<!channel> & co", "x" * 500])
    assert field(blocks, "Notified") == f"alice@example.com, &lt;!channel&gt; &amp; co, {'x' * 99}…"


@pytest.mark.parametrize("size", [1, 100])
def test_hostile_alert_is_escaped_and_valid(size: int) -> None:
    hostile = HOSTILE * size
    alert = samples.alert(title=hostile, description=hostile, source=hostile, labels={hostile: hostile})
    message = alert_message(alert, notified=[hostile], incident_channel=hostile)
    valid_message(message)
    shown_escaped(message, HOSTILE)
    assert "<!channel>" not in message[0]
    assert all("<@U999>" not in text for text in mrkdwn(message))
