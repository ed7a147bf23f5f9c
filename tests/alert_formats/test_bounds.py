"""Huge and hostile input is clipped, never refused and never breaks us; what was dropped is a warning."""

from __future__ import annotations

import hashlib
from typing import Any

from dispatchbot.alert_formats import parse
from tests.alert_formats.samples import alertmanager_firing, generic_firing, mapbox_message


def _generic(**fields: Any) -> dict[str, Any]:
    return {**generic_firing(), **fields}


def test_title_and_description_are_clipped_with_an_ellipsis() -> None:
    (alert,) = parse(_generic(title="t" * 10_000, description="d" * 100_000), "generic").alerts

    assert alert.title == "t" * 249 + "…"
    assert alert.description == "d" * 2999 + "…"


def test_at_most_64_labels_are_kept_the_first_by_name() -> None:
    metadata = {f"label{n:03}": str(n) for n in range(100)}

    parsed = parse(_generic(metadata=metadata), "generic")

    assert list(parsed.alerts[0].labels) == [f"label{n:03}" for n in range(64)]
    assert parsed.warnings == ("metadata: more than 64 labels, kept the first 64 by name",)


def test_label_names_and_values_are_clipped() -> None:
    (alert,) = parse(_generic(metadata={"k" * 200: "v" * 5000}), "generic").alerts

    assert alert.labels == {"k" * 127 + "…": "v" * 1023 + "…"}


def test_an_overlong_dedup_key_is_replaced_by_its_hash() -> None:
    key = "k" * 256

    (alert,) = parse(_generic(deduplication_key=key), "generic").alerts

    assert alert.dedup_key == hashlib.sha256(key.encode()).hexdigest()
    assert parse(_generic(deduplication_key="k" * 255), "generic").alerts[0].dedup_key == "k" * 255


def test_an_overlong_url_is_dropped_since_a_clipped_one_would_not_work() -> None:
    parsed = parse(_generic(source_url="https://x/" + "a" * 5000), "generic")

    assert parsed.alerts[0].source_url == ""
    assert parsed.warnings == ("source_url: URL longer than 3000 characters dropped",)


def test_text_no_database_could_store_is_made_storable() -> None:
    (alert,) = parse(_generic(title="disk \ud800 full", metadata={"\udfff": "x\ud800"}), "generic").alerts

    assert alert.title == "disk ? full"
    assert alert.labels == {"?": "x?"}


def test_mapbox_texts_are_clipped() -> None:
    body = mapbox_message()
    body["body"]["slack"]["prompt"] = "p" * 10_000
    body["body"]["slack"]["actions"]["yes"] = "y" * 1000

    mapbox = parse(body, "mapbox").alerts[0].mapbox

    assert mapbox is not None
    assert (len(mapbox.prompt), len(mapbox.yes_label)) == (3000, 250)


def test_the_same_oversize_in_ten_thousand_alerts_is_one_warning() -> None:
    body = alertmanager_firing()
    template = body["alerts"][0]
    labels = {f"l{n:03}": "v" for n in range(70)}
    body["alerts"] = [{**template, "fingerprint": str(n), "labels": labels} for n in range(10_000)]

    parsed = parse(body, "alertmanager")

    assert all(len(alert.labels) == 64 for alert in parsed.alerts)
    assert parsed.warnings == (
        "more than 64 labels, kept the first 64 by name (10000 times, first at alerts[0].labels)",
    )
