"""What a check reports, and the guard that turns a check that overruns or breaks into a failed line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    """Works today but is likely to bite (a clock drifting, a template nobody can use); exit code stays 0."""
    FAIL = "fail"
    SKIP = "skip"
    """Could not be checked because something it needs failed or is not configured; that is said elsewhere."""


@dataclass(frozen=True)
class CheckResult:
    check: str
    """What was checked, e.g. "Slack bot token" or "channel C0123 (notifications[0])"."""
    status: Status
    detail: str
    fix: str = ""
    """What to do about it; empty when there is nothing to do."""

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAIL

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "ok": self.ok,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
        }


def passed(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.OK, detail)


def failed(check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(check, Status.FAIL, detail, fix)


def warned(check: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(check, Status.WARN, detail, fix)


def skipped(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.SKIP, detail)


async def guarded(check: str, work: Awaitable[CheckResult], *, deadline: float, fix: str) -> CheckResult:
    """`work`'s result, or a failed `check` if it takes over `deadline` seconds or raises: doctor reports
    every check, so one dead endpoint or one surprise never hides the others or hangs the command."""
    try:
        return await asyncio.wait_for(work, deadline)
    except TimeoutError:
        return failed(check, f"no answer within {deadline:g} s", fix)
    except Exception as exc:
        return failed(check, f"could not be checked ({type(exc).__name__}: {exc})", fix)
