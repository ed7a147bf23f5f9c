"""`dispatchbot run` with the probe extension, for tests that need a real process to kill."""

from __future__ import annotations

import sys

from dispatchbot.cli import run_daemon
from dispatchbot.config import ConfigError, load_settings
from tests.support import probe

if __name__ == "__main__":
    try:
        settings = load_settings()
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(run_daemon(settings, extensions=[probe.register]))
