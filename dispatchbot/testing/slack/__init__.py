"""A fake Slack workspace for tests; see ``dispatchbot.testing`` for the public API."""
