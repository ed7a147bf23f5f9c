"""`auto`: each format recognised by the fields only it has, and bodies that are no alert at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dispatchbot.alert_formats import AlertFormat, FormatError, detect, parse
from tests.alert_formats import samples
from tests.alert_formats.samples import refusal

SAMPLES: list[tuple[Callable[[], dict[str, Any]], AlertFormat]] = [
    (samples.alertmanager_firing, AlertFormat.ALERTMANAGER),
    (samples.alertmanager_resolved, AlertFormat.ALERTMANAGER),
    (samples.grafana_firing, AlertFormat.GRAFANA),
    (samples.grafana_resolved, AlertFormat.GRAFANA),
    (samples.pagerduty_trigger, AlertFormat.PAGERDUTY),
    (samples.pagerduty_resolve, AlertFormat.PAGERDUTY),
    (samples.generic_firing, AlertFormat.GENERIC),
    (samples.generic_resolved, AlertFormat.GENERIC),
    (samples.mapbox_message, AlertFormat.MAPBOX),
    (lambda: samples.sns_envelope(samples.mapbox_message()), AlertFormat.MAPBOX),
]


@pytest.mark.parametrize(("sample", "format"), SAMPLES)
def test_each_format_is_recognised_and_read_as_if_named(
    sample: Callable[[], dict[str, Any]], format: AlertFormat
) -> None:
    assert detect(sample()) is format
    assert parse(sample(), "auto") == parse(sample(), format)


def test_a_grafana_body_with_only_a_state_is_still_grafana() -> None:
    body = samples.grafana_firing()
    del body["orgId"]

    assert detect(body) is AlertFormat.GRAFANA


def test_an_sns_subscription_confirmation_is_refused_as_mapbox() -> None:
    envelope = {"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.example/confirm"}

    error = refusal(envelope, "auto")

    assert (error.format, error.field) == ("mapbox", "Type")


def test_a_body_of_no_known_format_is_refused_listing_the_formats() -> None:
    error = refusal({"message": "disk full", "host": "db1"}, "auto")

    assert (error.format, error.field) == ("auto", None)
    assert all(format.value in error.reason for format in AlertFormat)


@pytest.mark.parametrize("body", [[samples.generic_firing()], "disk full", 42, None, True])
@pytest.mark.parametrize("format", ["auto", *AlertFormat])
def test_a_body_that_is_not_an_object_is_refused(body: object, format: str) -> None:
    error = refusal(body, format)

    assert (error.format, error.field, error.reason) == (format, None, "the payload must be a JSON object")


def test_an_unknown_format_is_refused_naming_the_known_ones() -> None:
    error = refusal(samples.generic_firing(), "nagios")

    assert (error.format, error.field) == ("nagios", None)
    assert "generic" in error.reason
    assert "auto" in error.reason
    assert isinstance(error, ValueError)
    assert str(error) == f"nagios: {error.reason}"


def test_a_wrong_field_names_the_detected_format() -> None:
    body = samples.generic_firing()
    body["metadata"] = "service=checkout"

    with pytest.raises(FormatError, match=r"generic: must be a JSON object \(field metadata\)"):
        parse(body, "auto")
