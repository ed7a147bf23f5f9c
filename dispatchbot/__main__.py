"""`python -m dispatchbot` is the same as the `dispatchbot` console script."""

from dispatchbot.cli import main

raise SystemExit(main())
