"""What each log level shows: secrets never, SQL and library chatter only at DEBUG, request ids not text."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import structlog

from dispatchbot.logs import REDACTED, configure_logging, get_logger, interaction_context, log_handled

BOT_TOKEN = "xoxb-1111-2222-abcdefghijklmnop"
APP_TOKEN = "xapp-1-A0001-3333-qrstuvwxyz"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _configure(stream: io.StringIO, level: str = "DEBUG") -> None:
    configure_logging(level=level, fmt="json", secrets=[SIGNING_SECRET], stream=stream)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _libraries_speak() -> None:
    """What the libraries say while the bot starts and serves, at their usual levels."""
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT incidents.title FROM incidents")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("apscheduler.scheduler").info('Added job "sweep_flow_runs" to job store "default"')
    logging.getLogger("slack_bolt.AsyncApp").info("A new session has been established")
    logging.getLogger("aiohttp.access").info("127.0.0.1 GET /healthz 200")
    logging.getLogger("asyncio").info("poll took 120 ms")
    logging.getLogger("slack_sdk.socket_mode").debug(f"on_message: {{'token': '{BOT_TOKEN}'}}")
    logging.getLogger("slack_sdk.web.base_client").warning("Received a 429, retrying in 2 s")


def test_redacts_tokens_secrets_and_authorization_everywhere() -> None:
    stream = io.StringIO()
    _configure(stream)
    log = get_logger("dispatchbot.test")
    log.info(
        "calling", url="https://slack.com/api/auth.test", headers={"Authorization": f"Bearer {BOT_TOKEN}"}
    )
    log.info(f"token is {BOT_TOKEN} and {APP_TOKEN}", nested=[{"note": f"secret={SIGNING_SECRET}"}])
    log.debug("signed", signature="v0=" + "a" * 64, api_key="pd-123456")
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
    lines = _lines(stream)
    assert lines[0]["headers"] == {"Authorization": REDACTED}
    assert REDACTED in str(lines[1]["event"])
    assert lines[2]["api_key"] == REDACTED
    assert lines[3]["logger"] == "slack_sdk.web.base_client"
    assert "exception" in lines[4]


def test_the_default_level_shows_our_lines_and_the_libraries_warnings_only() -> None:
    stream = io.StringIO()
    _configure(stream, "INFO")
    log = get_logger("dispatchbot.test")
    log.info("incident.created", incident="INC-1")
    log.debug("request.refused", reason="INC-1 · Payroll is down is closed")
    _libraries_speak()
    lines = _lines(stream)
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("dispatchbot.test", "incident.created"),
        ("slack_sdk.web.base_client", "Received a 429, retrying in 2 s"),
    ]


def test_debug_adds_sql_and_library_info_but_never_library_debug_dumps() -> None:
    stream = io.StringIO()
    _configure(stream, "DEBUG")
    get_logger("dispatchbot.test").debug("request.refused", reason="closed")
    _libraries_speak()
    events = [str(line["event"]) for line in _lines(stream)]
    assert "request.refused" in events
    assert "SELECT incidents.title FROM incidents" in events
    assert "Context impl SQLiteImpl." in events
    assert not any("on_message" in event for event in events)  # a library's DEBUG dumps payloads
    assert BOT_TOKEN not in stream.getvalue()


def test_warning_level_keeps_warnings_and_errors() -> None:
    stream = io.StringIO()
    _configure(stream, "WARNING")
    log = get_logger("dispatchbot.test")
    log.info("incident.created")
    log.warning("provider.failed", provider="pagerduty")
    _libraries_speak()
    assert [line["event"] for line in _lines(stream)] == [
        "provider.failed",
        "Received a 429, retrying in 2 s",
    ]


def test_console_format_is_plain_text() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", stream=stream)
    get_logger("dispatchbot.test").info("hello", token=BOT_TOKEN)
    output = stream.getvalue()
    assert "hello" in output
    assert BOT_TOKEN not in output
    assert not output.startswith("{")


@pytest.mark.parametrize(
    ("payload", "context"),
    [
        pytest.param(
            {
                "command": "/dispatch-report-incident",
                "text": "Payroll is down",
                "user_id": "U1",
                "channel_id": "C1",
                "trigger_id": "T1",
            },
            {"kind": "command", "name": "/dispatch-report-incident", "user": "U1", "channel": "C1"},
            id="command",
        ),
        pytest.param(
            {
                "type": "view_submission",
                "user": {"id": "U2"},
                "view": {"callback_id": "report_incident", "state": {"values": {"title": "Payroll is down"}}},
            },
            {"kind": "view_submission", "name": "report_incident", "user": "U2"},
            id="view_submission",
        ),
        pytest.param(
            {
                "type": "block_actions",
                "user": {"id": "U3"},
                "channel": {"id": "C3"},
                "actions": [{"action_id": "join_incident", "value": "7"}],
            },
            {"kind": "block_actions", "name": "join_incident", "user": "U3", "channel": "C3"},
            id="block_actions",
        ),
        pytest.param(
            {
                "type": "event_callback",
                "event_id": "Ev1",
                "event": {
                    "type": "message",
                    "user": "U4",
                    "channel": "C4",
                    "text": "the database is on fire",
                },
            },
            {"kind": "event_callback", "name": "message", "event_id": "Ev1", "user": "U4", "channel": "C4"},
            id="event_callback",
        ),
    ],
)
def test_a_request_is_known_by_its_ids_and_kind_never_by_its_text(
    payload: dict[str, Any], context: dict[str, str]
) -> None:
    assert interaction_context(payload) == context


def test_one_handled_line_per_request_with_its_context_and_outcome() -> None:
    stream = io.StringIO()
    _configure(stream, "INFO")
    structlog.contextvars.clear_contextvars()
    try:
        structlog.contextvars.bind_contextvars(envelope_id="E1", **interaction_context({"command": "/x"}))
        log_handled("command", 0.0042, 200)
        structlog.contextvars.bind_contextvars(outcome="repeat")
        log_handled("command", 0.0001, 200)
        structlog.contextvars.clear_contextvars()
        log_handled("unknown", 0.001, 401)
    finally:
        structlog.contextvars.clear_contextvars()
    handled = [
        (line["event"], line.get("envelope_id"), line["ms"], line["outcome"]) for line in _lines(stream)
    ]
    assert handled == [
        ("slack.handled", "E1", 4.2, "ok"),
        ("slack.handled", "E1", 0.1, "repeat"),
        ("slack.handled", None, 1.0, "status_401"),
    ]
