"""The alert's top-level message (edited in place as its state changes) and the replies in its thread.

Everything an alert carries came from a monitoring system or whoever can POST to it: titles, labels,
descriptions and URLs are escaped, clipped and counted before they reach Slack, so neither a `<!channel>`
in a title nor 10,000 labels can ping anyone or break a post. Only the people we chose to notify are
mentioned, and only in the replies meant to notify them: the top-level message's `text` (what
notifications show) never mentions anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import Alert, AlertState, AuditEntry
from dispatchbot.blocks.common import SECTION_TEXT_LIMIT, Message, buttons, clip, context, fields, section
from dispatchbot.blocks.incidents.timeline import when
from dispatchbot.blocks.reports.reports import duration
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, link, localized, md, mention

SEVERITY_EMOJI = {
    Severity.CRITICAL: ":red_circle:",
    Severity.ERROR: ":large_orange_circle:",
    Severity.WARNING: ":large_yellow_circle:",
    Severity.INFO: ":large_blue_circle:",
}
ENDED_EMOJI = {AlertState.RESOLVED: ":white_check_mark:", AlertState.CLOSED: ":heavy_check_mark:"}

TITLE_LIMIT = 300
"""Characters of a title shown in blocks; the notification `text` takes fewer."""
TEXT_TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 1000
LABELS_SHOWN = 20
LABEL_LIMIT = 200
"""Characters of one `key=value` label: a few huge labels must not crowd out the rest."""
PEOPLE_SHOWN = 30
NAME_LIMIT = 100
URL_LIMIT = 1000
"""A longer URL is not linked: `Mrkdwn.clip` never cuts inside `<…>`, so it would vanish whole."""
FIELD_BUDGET = 1800
"""Room for a list inside one field (2,000 characters with its label)."""
AUDIT_SHOWN = 40
DETAIL_LIMIT = 300
STORM_SHOWN = 10
STORM_COMMAND = "dispatchbot alerts list --firing"
COMMA, SPACE = Mrkdwn(", "), Mrkdwn(" ")


def alert_message(alert: Alert, *, notified: Sequence[str], incident_channel: str | None = None) -> Message:
    """The alert as it is now: what, how bad, its state, where from, how often, who was told. Buttons
    only while it fires; the caller sets `blocks[0]["block_id"]` (its marker) itself."""
    blocks = [section(md("{emoji} *{title}*", emoji=_emoji(alert), title=clip(alert.title, TITLE_LIMIT)))]
    if alert.description:
        blocks.append(section(escape(clip(alert.description, DESCRIPTION_LIMIT))))
    pairs = [
        ("Severity", escape(alert.severity.value.capitalize())),
        ("Status", _status(alert)),
        ("Source", source_link(alert)),
        ("Seen", _seen(alert)),
        ("Notified", _people(notified)),
    ]
    if alert.runbook_url:
        pairs.append(("Runbook", _safe_link(alert.runbook_url, "Runbook")))
    if incident_channel:
        pairs.append(("Incident", channel(incident_channel)))
    elif alert.incident_id is not None:
        pairs.append(("Incident", Mrkdwn("Being declared…")))
    blocks.append(fields(pairs))
    if alert.labels:
        blocks.append(context(label_line(alert)))
    if alert.state is AlertState.FIRING:
        blocks.append(_buttons(alert))
    return _notification_text(alert), blocks


def _notification_text(alert: Alert) -> Mrkdwn:
    """`[CRITICAL] Disk full on db1`, and how it ended once it has: short, and it mentions nobody."""
    text = md(
        "[{severity}] {title}",
        severity=alert.severity.value.upper(),
        title=clip(alert.title, TEXT_TITLE_LIMIT),
    )
    if alert.state is AlertState.RESOLVED:
        return md("{text} (recovered)", text=text)
    if alert.state is AlertState.CLOSED:
        return md("{text} (closed)", text=text)
    return text


def _emoji(alert: Alert) -> str:
    """How bad while it fires; a check mark once it has ended."""
    return ENDED_EMOJI.get(alert.state, SEVERITY_EMOJI[alert.severity])


def _status(alert: Alert) -> Mrkdwn:
    if alert.state is AlertState.CLOSED:
        return Mrkdwn("Closed")
    if alert.state is AlertState.RESOLVED:
        return md("Recovered at {at}", at=_clock(alert.resolved_at or alert.last_seen_at))
    if alert.acknowledgement is not None:
        ack = alert.acknowledgement
        return md("Acknowledged by {who} until {at}", who=_actor(ack.by), at=_clock(ack.expires_at))
    return Mrkdwn("Firing")


def source_link(alert: Alert) -> Mrkdwn:
    return _safe_link(alert.source_url, clip(alert.source, NAME_LIMIT))


def _safe_link(url: str, label: str) -> Mrkdwn:
    """A link for a sane http(s) URL (`link` refuses other schemes); the label alone otherwise."""
    return link(url if len(url) <= URL_LIMIT else "", label)


def _seen(alert: Alert) -> Mrkdwn:
    if alert.count <= 1:
        return md("Once, at {first}", first=when(alert.first_seen_at))
    return md(
        "{times}\nfirst {first}, last {last}",
        times=seen_times(alert.count),
        first=when(alert.first_seen_at),
        last=when(alert.last_seen_at),
    )


def seen_times(count: int) -> str:
    """`once`, `3 times`, `12,345 times`."""
    return "once" if count == 1 else f"{count:,} times"


def _people(user_ids: Sequence[str], separator: Mrkdwn = COMMA) -> Mrkdwn:
    """Mentions of Slack ids (anything else shown as text), as many as fit, then how many more."""
    return _bounded(
        (mention(clip(user, NAME_LIMIT)) for user in islice(user_ids, PEOPLE_SHOWN)),
        total=len(user_ids),
        budget=FIELD_BUDGET,
        separator=separator,
    ) or Mrkdwn("nobody")


def label_line(alert: Alert) -> Mrkdwn:
    """`key=value` for the first labels that fit, then "+N more": a source may send thousands."""
    return _bounded(
        (
            escape(clip(f"{key}={value}", LABEL_LIMIT))
            for key, value in islice(alert.labels.items(), LABELS_SHOWN)
        ),
        total=len(alert.labels),
        budget=SECTION_TEXT_LIMIT - 100,
        separator=Mrkdwn(" · "),
    )


def _bounded(parts: Iterable[Mrkdwn], *, total: int, budget: int, separator: Mrkdwn) -> Mrkdwn:
    """The leading `parts` joined while they fit in `budget` characters, and "+N more" for the rest
    of `total`: what does not fit is counted, never cut in half."""
    shown = _fitting(parts, budget, len(separator))
    text = separator.join(shown)
    hidden = total - len(shown)
    return md("{text} +{hidden:,} more", text=text, hidden=hidden) if hidden > 0 else text


def _actor(who: str) -> Mrkdwn:
    """A Slack id as a mention; `source:<name>` or `dispatchbot` as the words they are."""
    return mention(clip(who, NAME_LIMIT))


def _clock(moment: datetime) -> Mrkdwn:
    """HH:MM in each reader's own time zone (UTC in notifications)."""
    return localized(moment, "{time}", f"{moment.astimezone(UTC):%H:%M} UTC")


def _buttons(alert: Alert) -> dict[str, Any]:
    value = str(alert.id)
    if alert.is_acknowledged:
        items = [("Cancel acknowledgement", ActionId.CANCEL_ALERT_ACK, value)]
    else:
        items = [("Acknowledge", ActionId.ACKNOWLEDGE_ALERT, value)]
    if alert.incident_id is None:
        items.append(("Declare incident", ActionId.DECLARE_FROM_ALERT, value))
    return buttons(*items)


# ------------------------------------------------------------------ thread replies


def realert_reply(alert: Alert, mentions: Sequence[str], *, worse: bool) -> Message:
    """A re-alert (C3, C4) or a worse severity at once (C5): it mentions whom it must notify, in the
    `text` too, since that is what their notification shows."""
    if worse:
        line = md(
            "{emoji} Severity rose to *{severity}*",
            emoji=SEVERITY_EMOJI[alert.severity],
            severity=alert.severity.value,
        )
    else:
        line = md(":rotating_light: Still firing (seen {times})", times=seen_times(alert.count))
    if mentions:
        line = md("{line} — {who}", line=line, who=_people(mentions, SPACE))
    return _reply(line)


def quiet_update_reply(alert: Alert) -> Message:
    """While acknowledged (C7): the news without a single mention, not even of who acknowledged."""
    line = md(":zzz: Still firing (seen {times}). Acknowledged", times=seen_times(alert.count))
    if alert.acknowledgement is not None:
        line = md("{line} until {at}", line=line, at=_clock(alert.acknowledgement.expires_at))
    return _reply(md("{line}, so nobody was notified.", line=line))


def recovery_reply(alert: Alert) -> Message:
    """Posted once when the source says it recovered (C6)."""
    ended = alert.resolved_at or alert.last_seen_at
    span = max(ended - alert.first_seen_at, timedelta(0))
    return _reply(md(":white_check_mark: Recovered after {span}", span=duration(span)))


def acknowledged_reply(alert: Alert, by: str) -> Message:
    line = md(":eyes: {who} acknowledged", who=_actor(by))
    if alert.acknowledgement is not None:
        line = md(
            "{line}: re-alerts stay quiet until {at}", line=line, at=_clock(alert.acknowledgement.expires_at)
        )
    return _reply(md("{line}.", line=line))


def ack_cancelled_reply(alert: Alert, by: str) -> Message:
    return _reply(
        md(":bell: {who} cancelled the acknowledgement: re-alerts notify people again.", who=_actor(by))
    )


def declared_reply(alert: Alert, incident_channel_id: str) -> Message:
    return _reply(
        md(":rotating_light: Incident declared from this alert: {where}", where=channel(incident_channel_id))
    )


def _reply(line: Mrkdwn) -> Message:
    return line, [section(line)]


def audit_trail(entries: Sequence[AuditEntry]) -> Message:
    """Who did what, when (the last entries; older ones are counted), for the alert's thread."""
    shown = entries[-AUDIT_SHOWN:]
    text = md("Audit trail ({count:,} entries)", count=len(entries))
    blocks = [section(md("*{text}*", text=text))]
    if len(entries) > len(shown):
        blocks.append(context(md("{hidden:,} earlier entries not shown", hidden=len(entries) - len(shown))))
    blocks.extend(section(chunk) for chunk in _chunks(_audit_line(entry) for entry in shown))
    return text, blocks


def _audit_line(entry: AuditEntry) -> Mrkdwn:
    line = md(
        "{at} · {who} · *{action}*",
        at=when(entry.at),
        who=_actor(entry.actor),
        action=clip(entry.action, 100),
    )
    return md("{line} {detail}", line=line, detail=clip(entry.detail, DETAIL_LIMIT)) if entry.detail else line


def _chunks(lines: Iterable[Mrkdwn]) -> list[Mrkdwn]:
    """Lines packed into section-sized texts (each line is far shorter than a section)."""
    chunks: list[list[Mrkdwn]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line) + 1 > SECTION_TEXT_LIMIT:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return [Mrkdwn("\n").join(chunk) for chunk in chunks if chunk]


# ------------------------------------------------------------------ storms


def storm_message(channel_alerts: Sequence[Alert], total: int) -> Message:
    """One message for a burst of new alerts in a channel (edited as more arrive): the first titles
    and a count of the rest, within Slack's limits however many there are."""
    total = max(total, len(channel_alerts))
    text = md("{total:,} alerts firing", total=total)
    lines = (
        md("{emoji} {title}", emoji=_emoji(alert), title=clip(alert.title, TEXT_TITLE_LIMIT))
        for alert in islice(channel_alerts, STORM_SHOWN)
    )
    shown = _fitting(lines, SECTION_TEXT_LIMIT)
    blocks = [section(md(":rotating_light: *{text}*", text=text))]
    if shown:
        blocks.append(section(Mrkdwn("\n").join(shown)))
    if total > len(shown):
        blocks.append(
            context(
                md("…and {more:,} more (see `{command}`)", more=total - len(shown), command=STORM_COMMAND)
            )
        )
    return text, blocks


def storm_realert(channel_alerts: Sequence[Alert], total: int, mentions: Sequence[str]) -> Message:
    """One re-alert for many alerts of a channel still firing at once (a storm's re-alerts), instead of
    a reply in each thread: the first titles, a count, and the people to notify (none when all of them
    are acknowledged: a quiet update)."""
    text, blocks = storm_message(channel_alerts, total)
    text = md("Still firing: {text}", text=text)
    blocks[0] = section(md(":repeat: *{text}*", text=text))
    if mentions:
        blocks.append(section(_people(mentions, SPACE)))
        text = md("{text} — {people}", text=text, people=_people(mentions, SPACE))
    return text, blocks


def _fitting(parts: Iterable[Mrkdwn], budget: int, gap: int = 1) -> list[Mrkdwn]:
    """The leading parts whose lengths, each plus `gap` (its separator), add up to at most `budget`."""
    shown: list[Mrkdwn] = []
    used = 0
    for part in parts:
        used += len(part) + gap
        if used > budget:
            break
        shown.append(part)
    return shown
