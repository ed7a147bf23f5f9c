"""Secrets never reach the log output, whoever logs them (our code or a library)."""

from __future__ import annotations

import io
import json
import logging

from dispatchbot.logs import REDACTED, configure_logging, get_logger

BOT_TOKEN = "xoxb-1111-2222-abcdefghijklmnop"
APP_TOKEN = "xapp-1-A0001-3333-qrstuvwxyz"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _configure(stream: io.StringIO) -> None:
    configure_logging(level="DEBUG", fmt="json", secrets=[SIGNING_SECRET], stream=stream)


def test_redacts_tokens_secrets_and_authorization_everywhere() -> None:
    stream = io.StringIO()
    _configure(stream)
    log = get_logger("test")
    log.info(
        "calling", url="https://slack.com/api/auth.test", headers={"Authorization": f"Bearer {BOT_TOKEN}"}
    )
    log.info(f"token is {BOT_TOKEN} and {APP_TOKEN}", nested=[{"note": f"secret={SIGNING_SECRET}"}])
    log.info("signed", signature="v0=" + "a" * 64, api_key="pd-123456")
    logging.getLogger("slack_sdk.web.base_client").warning(
        "Sending a request - headers: {'Authorization': '(redacted)'} body: token=%s", BOT_TOKEN
    )
    try:
        raise RuntimeError(f"failed with {APP_TOKEN}")
    except RuntimeError:
        log.exception("boom")
    output = stream.getvalue()
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "pd-123456", "a" * 64):
        assert secret not in output
    lines = [json.loads(line) for line in output.splitlines()]
    assert lines[0]["headers"] == {"Authorization": REDACTED}
    assert REDACTED in lines[1]["event"]
    assert lines[3]["logger"] == "slack_sdk.web.base_client"
    assert "exception" in lines[4]


def test_console_format_is_plain_text() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", stream=stream)
    get_logger("test").info("hello", token=BOT_TOKEN)
    output = stream.getvalue()
    assert "hello" in output
    assert BOT_TOKEN not in output
    assert not output.startswith("{")
