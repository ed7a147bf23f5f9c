"""What `dispatchbot alerts list` and `alerts show` print: stored alerts as plain text for a terminal.

Titles, keys, labels and even source names came from monitoring systems, and anyone who can send an
alert can put an escape sequence in a title. Printed as it is, `\\x1b]0;...` retitles the operator's
window, `\\x1b[2J` clears it, and a carriage return overwrites the line before it. So every value is
passed through `plain` first: what reaches the terminal is text, never a command to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from dispatchbot.alert_formats.fields import clip
from dispatchbot.alerting.model import Alert, AuditEntry

KEY_WIDTH = 24
SIGNAL_WIDTH = 20
TITLE_WIDTH = 60
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Marks that reorder how the rest of a line is shown (a title that displays as another)."""


def plain(text: str) -> str:
    """`text` safe to print on one line of a terminal: line breaks, tabs and other spacing become a
    space; control characters (escape, C1 controls such as CSI, backspace, DEL) and bidi overrides are
    dropped. Printable text, non-ASCII included, is kept as it is."""
    return "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS)
    )


def shown_state(alert: Alert, now: datetime) -> str:
    """firing, acknowledged (firing under a live acknowledgement), resolved or closed."""
    ack = alert.acknowledgement
    if alert.state.is_open and ack is not None and ack.expires_at > now:
        return "acknowledged"
    return alert.state.value


def alert_table(alerts: Sequence[Alert], now: datetime) -> str:
    """One row per alert, in the order given, long values clipped so a row fits a wide terminal."""
    rows = [
        [
            str(alert.id),
            plain(alert.source),
            clip(plain(alert.dedup_key), KEY_WIDTH),
            shown_state(alert, now),
            alert.severity.value,
            str(alert.count),
            _utc(alert.last_seen_at),
            clip(plain(alert.signal), SIGNAL_WIDTH) or "-",
            clip(plain(alert.title), TITLE_WIDTH),
        ]
        for alert in alerts
    ]
    headers = [
        "id",
        "source",
        "dedup key",
        "state",
        "severity",
        "count",
        "last seen (UTC)",
        "signal",
        "title",
    ]
    return _table(headers, rows, right={0, 5})


def alert_details(alert: Alert, trail: Sequence[AuditEntry], now: datetime) -> str:
    """Every field an operator asks about, then the audit trail, oldest first."""
    ack = alert.acknowledgement
    fields = [
        ("title", plain(alert.title)),
        ("state", shown_state(alert, now)),
        ("severity", alert.severity.value),
        ("signal", plain(alert.signal) or "-"),
        ("route", alert.route.value),
        ("channel", plain(alert.channel) or "-"),
        ("count", str(alert.count)),
        ("first seen", f"{_utc(alert.first_seen_at)} UTC"),
        ("last seen", f"{_utc(alert.last_seen_at)} UTC"),
        ("resolved", f"{_utc(alert.resolved_at)} UTC" if alert.resolved_at else "-"),
        ("acknowledged", f"by {plain(ack.by)} until {_utc(ack.expires_at)} UTC" if ack else "-"),
        ("incident", str(alert.incident_id) if alert.incident_id is not None else "-"),
        ("page", plain(alert.page_id or "") or "-"),
        ("source url", plain(alert.source_url) or "-"),
        ("runbook url", plain(alert.runbook_url) or "-"),
        ("labels", ", ".join(f"{plain(k)}={plain(v)}" for k, v in sorted(alert.labels.items())) or "-"),
    ]
    heading = f"alert {alert.id}: {plain(alert.source)} {plain(alert.dedup_key)}"
    lines = [heading, *(f"  {name:13} {value}" for name, value in fields), "  audit trail:"]
    rows = [[_utc(entry.at), plain(entry.actor), plain(entry.action), plain(entry.detail)] for entry in trail]
    lines += [
        f"    {line}" for line in _table(["time (UTC)", "actor", "action", "detail"], rows).splitlines()
    ]
    return "\n".join(lines)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | frozenset[int] = frozenset()
) -> str:
    """Columns as wide as their widest cell, two spaces apart; the last column is not padded."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for row in (headers, *rows):
        cells = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"
