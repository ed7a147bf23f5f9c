"""mapbox/dispatch's message spec, posted directly or in an SNS notification (M1, M2, M7, M8)."""

from __future__ import annotations

from typing import Any

import pytest

from dispatchbot.alert_formats import (
    AlertFormat,
    InboundStatus,
    MapboxMessage,
    MapboxRoute,
    MapboxUser,
    Severity,
    parse,
)
from tests.alert_formats.samples import mapbox_message, refusal, sns_envelope


def test_a_self_service_message_is_read_with_its_own_routing() -> None:
    body = mapbox_message()

    parsed = parse(body, "mapbox")

    assert parsed.format is AlertFormat.MAPBOX
    assert parsed.warnings == ()
    (alert,) = parsed.alerts
    assert alert.dedup_key == "a1b2c3"
    assert alert.status is InboundStatus.FIRING
    assert alert.title == "2FA disabled: alice"
    assert alert.description == "..."
    assert alert.severity is Severity.WARNING
    assert alert.raw == body
    assert alert.mapbox == MapboxMessage(
        route=MapboxRoute.SELF_SERVICE,
        request_id="a1b2c3",
        users=(MapboxUser(slack="U123", github="alice"),),
        message="2FA was disabled on your account.",
        prompt="Did you do this?",
        yes_label="Yes, me",
        no_label="No",
        yes_response="Thanks",
        no_response="Security paged",
        retrigger=True,
    )


def test_the_same_message_in_an_sns_notification_reads_the_same() -> None:
    message = mapbox_message()

    assert parse(sns_envelope(message), "mapbox") == parse(message, "mapbox")


@pytest.mark.parametrize(
    ("kind", "route", "severity"),
    [
        ("self-service", MapboxRoute.SELF_SERVICE, Severity.WARNING),
        ("broadcast", MapboxRoute.BROADCAST, Severity.WARNING),
        ("nag", MapboxRoute.NAG, Severity.WARNING),
        ("high-priority", MapboxRoute.HIGH_PRIORITY, Severity.CRITICAL),
        ("High", MapboxRoute.HIGH_PRIORITY, Severity.CRITICAL),
        ("low-priority", MapboxRoute.LOW_PRIORITY, Severity.INFO),
        ("low", MapboxRoute.LOW_PRIORITY, Severity.INFO),
    ],
)
def test_the_type_is_the_route_and_sets_the_severity(
    kind: str, route: MapboxRoute, severity: Severity
) -> None:
    body = mapbox_message()
    body["type"] = kind

    (alert,) = parse(body, "mapbox", default_severity=Severity.INFO).alerts

    assert alert.mapbox is not None
    assert (alert.mapbox.route, alert.severity) == (route, severity)


def test_an_unknown_type_pages_and_says_so() -> None:
    body = mapbox_message()
    body["type"] = "urgent"

    parsed = parse(body, "mapbox")

    assert parsed.alerts[0].mapbox is not None
    assert parsed.alerts[0].mapbox.route is MapboxRoute.HIGH_PRIORITY
    assert parsed.warnings == ("unknown type 'urgent' read as high-priority: it pages",)


def _request_id(**changes: Any) -> str:
    body = mapbox_message()
    del body["requestId"]
    body.update(changes)
    return parse(body, "mapbox").alerts[0].dedup_key


def test_without_a_request_id_the_id_is_made_from_the_message() -> None:
    request_id = _request_id()

    assert len(request_id) == 12
    assert int(request_id, 16) >= 0
    assert request_id == _request_id(), "a retried POST must be the same alert, not a second page"
    assert request_id != _request_id(users=[{"slackId": "U456"}])


def test_the_pagerduty_title_names_a_message_without_a_github_title() -> None:
    body = mapbox_message()
    body["type"] = "high-priority"
    body["body"] = {"pagerduty": {"title": "Vault sealed"}}

    (alert,) = parse(body, "mapbox").alerts

    assert alert.title == "Vault sealed"
    assert alert.mapbox == MapboxMessage(
        route=MapboxRoute.HIGH_PRIORITY,
        request_id="a1b2c3",
        users=(MapboxUser(slack="U123", github="alice"),),
        pagerduty_title="Vault sealed",
    )


def test_users_may_give_slack_or_slack_id_and_retrigger_may_be_off() -> None:
    body = mapbox_message()
    body.update(users=[{"slack": "bob@example.com"}, {"github": "carol"}, {}], retrigger=False)

    mapbox = parse(body, "mapbox").alerts[0].mapbox

    assert mapbox is not None
    assert mapbox.users == (MapboxUser(slack="bob@example.com"), MapboxUser(github="carol"), MapboxUser())
    assert mapbox.retrigger is False


def _with(**fields: Any) -> dict[str, Any]:
    return {**mapbox_message(), **fields}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": {"github": {"title": "x"}}}, "type"),
        (_with(type=""), "type"),
        (_with(type=["nag"]), "type"),
        (_with(body={"github": {"body": "no title"}}), "body.github.title"),
        (_with(body={"github": "2FA disabled"}), "body.github"),
        (_with(body=None), "body.github.title"),
        (_with(requestId=["a"]), "requestId"),
        (_with(users={"slackId": "U123"}), "users"),
        (_with(users=["U123"]), "users[0]"),
        (_with(users=[{"slackId": 5.5}]), "users[0].slackId"),
        (_with(retrigger="false"), "retrigger"),
        (
            _with(body={"github": {"title": "x"}, "slack": {"actions": {"yes": True}}}),
            "body.slack.actions.yes",
        ),
    ],
)
def test_a_malformed_message_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    error = refusal(body, "mapbox")

    assert (error.format, error.field) == ("mapbox", field)


@pytest.mark.parametrize(
    ("envelope", "field"),
    [
        ({**sns_envelope({}), "Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns"}, "Type"),
        ({**sns_envelope({}), "Type": "UnsubscribeConfirmation"}, "Type"),
        ({**sns_envelope({}), "Type": "Surprise"}, "Type"),
        ({**sns_envelope({}), "Message": "{not json"}, "Message"),
        ({**sns_envelope({}), "Message": {"type": "nag"}}, "Message"),
        (sns_envelope(["nag"]), "Message"),
        (sns_envelope({"body": {"github": {"title": "x"}}}), "Message.type"),
    ],
)
def test_a_malformed_sns_envelope_is_refused_naming_the_field(envelope: dict[str, Any], field: str) -> None:
    error = refusal(envelope, "mapbox")

    assert (error.format, error.field) == ("mapbox", field)


def test_subscription_confirmations_are_refused_with_what_to_do_instead() -> None:
    envelope = {**sns_envelope({}), "Type": "SubscriptionConfirmation"}

    assert "SubscribeURL" in refusal(envelope, "mapbox").reason
