"""How doctor's results are shown: a line per check for people, or a JSON list for tooling."""

from __future__ import annotations

import json
from collections.abc import Sequence

from dispatchbot.doctor.results import CheckResult, Status

SYMBOLS = {Status.OK: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.SKIP: "-"}
ASCII_SYMBOLS = {Status.OK: "ok", Status.FAIL: "FAIL", Status.WARN: "warn", Status.SKIP: "skip"}
"""For a terminal whose encoding has no ✓ (a bare C locale): words instead of a UnicodeEncodeError."""


def render_text(results: Sequence[CheckResult], encoding: str | None = "utf-8") -> str:
    symbols = SYMBOLS if _can_encode("".join(SYMBOLS.values()), encoding) else ASCII_SYMBOLS
    lines: list[str] = []
    for result in results:
        lines.append(f"{symbols[result.status]} {result.check}: {result.detail}")
        if result.fix and result.status in (Status.FAIL, Status.WARN):
            lines.append(f"    fix: {result.fix}")
    lines.append("")
    lines.append(_summary(results))
    return "\n".join(lines)


def render_json(results: Sequence[CheckResult]) -> str:
    return json.dumps([result.to_json() for result in results], indent=2, ensure_ascii=False)


def _summary(results: Sequence[CheckResult]) -> str:
    counts = {status: sum(1 for r in results if r.status is status) for status in Status}
    if counts[Status.FAIL] == counts[Status.WARN] == counts[Status.SKIP] == 0:
        return f"all {len(results)} checks passed"
    parts = [f"{counts[Status.FAIL]} failed"] if counts[Status.FAIL] else []
    parts += [f"{counts[Status.WARN]} warning(s)"] if counts[Status.WARN] else []
    parts += [f"{counts[Status.SKIP]} not checked"] if counts[Status.SKIP] else []
    return f"{len(results)} checks: {', '.join(parts)}"


def _can_encode(text: str, encoding: str | None) -> bool:
    try:
        text.encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
