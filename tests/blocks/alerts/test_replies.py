"""Replies in an alert's thread (re-alerts, quiet updates, recovery, acknowledgements, the audit
trail) and the one message for a storm of new alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import AuditEntry
from dispatchbot.blocks.alerts import alert_message as blocks_of
from dispatchbot.blocks.common import Message
from tests.blocks.alerts import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import ALICE, BOB, CHANNEL, NOW
from tests.blocks.texts import mrkdwn, shown_escaped
from tests.support.escaping import HOSTILE


def test_a_realert_mentions_whom_it_notifies_in_its_text() -> None:
    text, blocks = valid_reply(blocks_of.realert_reply(samples.alert(count=3), [ALICE, BOB], worse=False))
    assert text == f":rotating_light: Still firing (seen 3 times) — <@{ALICE}> <@{BOB}>"
    assert blocks[0]["text"]["text"] == text


def test_a_worse_severity_says_so() -> None:
    alert = samples.alert(severity=Severity.CRITICAL)
    text, _ = valid_reply(blocks_of.realert_reply(alert, [ALICE], worse=True))
    assert text == f":red_circle: Severity rose to *critical* — <@{ALICE}>"


def test_a_realert_to_nobody_has_no_dash() -> None:
    text, _ = blocks_of.realert_reply(samples.alert(count=2), [], worse=False)
    assert text == ":rotating_light: Still firing (seen 2 times)"


def test_a_realert_to_hundreds_counts_the_rest() -> None:
    people = [f"U{n:07d}" for n in range(300)]
    text, _ = valid_reply(blocks_of.realert_reply(samples.alert(count=2), people, worse=False))
    assert text.endswith("<@U0000029> +270 more")


def test_a_quiet_update_mentions_nobody() -> None:
    text, blocks = valid_reply(blocks_of.quiet_update_reply(samples.acknowledged(count=4)))
    assert text.startswith(":zzz: Still firing (seen 4 times). Acknowledged until <!date^")
    assert text.endswith("|09:50 UTC>, so nobody was notified.")
    assert all("<@" not in line for line in mrkdwn((text, blocks)))


def test_recovery_says_how_long_it_fired() -> None:
    alert = samples.alert(resolved_at=NOW + timedelta(minutes=12))
    assert blocks_of.recovery_reply(alert)[0] == ":white_check_mark: Recovered after 12 minutes"
    unresolved = samples.alert(last_seen_at=NOW + timedelta(hours=2))  # the last it was seen, then
    assert blocks_of.recovery_reply(unresolved)[0] == ":white_check_mark: Recovered after 2 hours"


def test_acknowledgement_replies() -> None:
    text, _ = valid_reply(blocks_of.acknowledged_reply(samples.acknowledged(), ALICE))
    assert text.startswith(f":eyes: <@{ALICE}> acknowledged: re-alerts stay quiet until <!date^")
    assert blocks_of.acknowledged_reply(samples.alert(), "source:pagerduty")[0] == (
        ":eyes: source:pagerduty acknowledged."
    )
    assert blocks_of.ack_cancelled_reply(samples.alert(), BOB)[0] == (
        f":bell: <@{BOB}> cancelled the acknowledgement: re-alerts notify people again."
    )


def test_declared_reply_links_the_incident_channel() -> None:
    text, _ = valid_reply(blocks_of.declared_reply(samples.alert(), CHANNEL))
    assert text == f":rotating_light: Incident declared from this alert: <#{CHANNEL}>"


def test_the_audit_trail_shows_who_did_what() -> None:
    entries = [
        samples.entry(actor="source:prometheus", action="created", detail=""),
        samples.entry(actor="dispatchbot", action="re-alerted", detail="2 people"),
        samples.entry(),
    ]
    text, blocks = valid_reply(blocks_of.audit_trail(entries))
    assert text == "Audit trail (3 entries)"
    lines = blocks[1]["text"]["text"].split("\n")
    assert lines[0].endswith(" · source:prometheus · *created*")
    assert lines[1].endswith(" · dispatchbot · *re-alerted* 2 people")
    assert lines[2].endswith(f" · <@{ALICE}> · *acknowledged* until 09:50")
    assert lines[0].startswith("<!date^")


def test_a_long_audit_trail_shows_the_last_forty() -> None:
    entries = [samples.entry(detail=f"entry {n}") for n in range(100)]
    text, blocks = blocks_of.audit_trail(entries)
    valid_message((text, blocks))
    assert text == "Audit trail (100 entries)"
    assert blocks[1]["elements"][0]["text"] == "60 earlier entries not shown"
    shown = "\n".join(b["text"]["text"] for b in blocks[2:])
    assert "entry 59\n" not in shown
    assert shown.count("\n") == 39
    assert shown.endswith("entry 99")


@pytest.mark.parametrize("size", [1, 40])
def test_hostile_audit_entries_are_escaped_and_valid(size: int) -> None:
    hostile = HOSTILE * size
    entries = [AuditEntry(NOW, actor, hostile, hostile) for actor in (ALICE, hostile)] * 25
    message = blocks_of.audit_trail(entries)
    valid_message(message)
    shown_escaped(message, HOSTILE)


# ------------------------------------------------------------------ storms


@pytest.mark.parametrize(("count", "total"), [(1, 1), (10, 10), (11, 11), (30, 10_000)])
def test_a_storm_shows_ten_titles_and_counts_the_rest(count: int, total: int) -> None:
    alerts = [samples.alert(id=n, title=f"Alert {n}") for n in range(count)]
    text, blocks = blocks_of.storm_message(alerts, total)
    valid_message((text, blocks))
    assert text == f"{total:,} alerts firing"
    titles = blocks[1]["text"]["text"].split("\n")
    assert titles[0] == ":red_circle: Alert 0"
    assert len(titles) == min(count, 10)
    more = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    if total > 10:
        assert more == [f"…and {total - 10:,} more (see `dispatchbot alerts list --firing`)"]
    else:
        assert more == []


def test_a_storm_of_huge_hostile_titles_stays_within_limits() -> None:
    alerts = [samples.alert(title=HOSTILE * 100, severity=s) for s in Severity] * 10
    message = blocks_of.storm_message(alerts, 5000)
    valid_message(message)
    shown_escaped(message, HOSTILE)
    assert message[1][-1]["elements"][0]["text"].startswith("…and ")


def test_a_storm_counts_the_alerts_it_was_given_at_least() -> None:
    assert blocks_of.storm_message([samples.alert()] * 3, 0)[0] == "3 alerts firing"


def valid_reply(message: Message) -> Message:
    valid_message(message)
    return message
