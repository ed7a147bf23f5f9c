"""mapbox/dispatch's message spec (MESSAGE-SPEC.md), posted directly or inside an AWS SNS notification.

The message carries its own routing: `type` (M1), the people it is about (`users`), the texts and
button labels of the self-service prompt, and `retrigger` (M8). A missing `type` is refused; an unknown
one pages (M1), since a misspelt urgent alert must not go quiet. Without `requestId` mapbox made a
random id (M2); we hash the message instead, so a retried POST is recognised as the same alert rather
than paging twice.

mapbox received messages through SNS, so existing senders publish to a topic whose HTTPS subscription
posts an envelope with the message as a JSON string in `Message`. Subscription confirmations are
refused: confirming would make us fetch a URL named by the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dispatchbot.alert_formats.fields import (
    DESCRIPTION_LIMIT,
    NESTING_LIMIT,
    TITLE_LIMIT,
    Fields,
    Notes,
    bounded_key,
    clip,
    digest,
    too_deep,
)
from dispatchbot.alert_formats.model import (
    AlertFormat,
    InboundAlert,
    InboundStatus,
    MapboxMessage,
    MapboxRoute,
    MapboxUser,
    ParsedPayload,
    Severity,
)
from dispatchbot.alert_formats.severity import SeverityScale

_ROUTES = {route.value: route for route in MapboxRoute} | {
    "high": MapboxRoute.HIGH_PRIORITY,
    "low": MapboxRoute.LOW_PRIORITY,
}
_SEVERITIES = {
    MapboxRoute.SELF_SERVICE: Severity.WARNING,
    MapboxRoute.BROADCAST: Severity.WARNING,
    MapboxRoute.NAG: Severity.WARNING,
    MapboxRoute.HIGH_PRIORITY: Severity.CRITICAL,
    MapboxRoute.LOW_PRIORITY: Severity.INFO,
}
_DEFAULTS = MapboxMessage(route=MapboxRoute.HIGH_PRIORITY, request_id="")
_SNS_CONFIRMATIONS = ("SubscriptionConfirmation", "UnsubscribeConfirmation")


def parse(body: Mapping[str, Any], scale: SeverityScale) -> ParsedPayload:
    """`scale` is unused: a mapbox message's severity follows from its type."""
    message = _unwrapped(Fields.of(AlertFormat.MAPBOX, body))
    notes = Notes()
    route = _route(message, notes)
    content = message.child("body")
    github, slack = content.child("github"), content.child("slack")
    actions = slack.child("actions")
    pagerduty_title = content.child("pagerduty").text("title")
    title = github.text("title") or pagerduty_title
    if not title.strip():
        raise github.error("title", "is required (or body.pagerduty.title)")
    request_id = message.identifier("requestId") or digest(message.data, 12)
    mapbox = MapboxMessage(
        route=route,
        request_id=request_id,
        users=tuple(_user(item) for item in message.children("users")),
        message=clip(slack.text("message"), DESCRIPTION_LIMIT),
        prompt=clip(slack.text("prompt"), DESCRIPTION_LIMIT),
        yes_label=clip(actions.text("yes") or _DEFAULTS.yes_label, TITLE_LIMIT),
        no_label=clip(actions.text("no") or _DEFAULTS.no_label, TITLE_LIMIT),
        yes_response=clip(actions.text("yes_response") or _DEFAULTS.yes_response, DESCRIPTION_LIMIT),
        no_response=clip(actions.text("no_response") or _DEFAULTS.no_response, DESCRIPTION_LIMIT),
        retrigger=message.flag("retrigger", default=True),
        pagerduty_title=clip(pagerduty_title, TITLE_LIMIT),
    )
    alert = InboundAlert(
        dedup_key=bounded_key(request_id),
        status=InboundStatus.FIRING,
        title=clip(title, TITLE_LIMIT),
        severity=_SEVERITIES[route],
        description=clip(github.text("body"), DESCRIPTION_LIMIT),
        raw=message.data,
        mapbox=mapbox,
    )
    return ParsedPayload(AlertFormat.MAPBOX, (alert,), warnings=notes.warnings())


def _unwrapped(body: Fields) -> Fields:
    """The message itself: `body`, or the one an SNS envelope carries (its fields named `Message.…`)."""
    if "type" in body.data or "Type" not in body.data:
        return body
    kind = body.text("Type")
    if kind in _SNS_CONFIRMATIONS:
        reason = f"SNS {kind} is not supported here: open its SubscribeURL or confirm it in the AWS console"
        raise body.error("Type", reason)
    if kind != "Notification":
        raise body.error("Type", "must be Notification (an SNS envelope) or absent")
    try:
        message = json.loads(body.required("Message"))
    except (ValueError, RecursionError):
        raise body.error("Message", "must be a JSON string") from None
    if too_deep(message):
        raise body.error("Message", f"nests deeper than {NESTING_LIMIT} levels")
    return Fields.of(body.format, message, "Message")


def _route(message: Fields, notes: Notes) -> MapboxRoute:
    kind = message.required("type", f"is required: one of {', '.join(route.value for route in MapboxRoute)}")
    route = _ROUTES.get(kind.strip().lower())
    if route is None:
        notes.add(f"unknown type {clip(kind, 64)!r} read as high-priority: it pages")
        return MapboxRoute.HIGH_PRIORITY
    return route


def _user(item: Fields) -> MapboxUser:
    return MapboxUser(
        slack=clip(item.identifier("slackId") or item.identifier("slack"), TITLE_LIMIT),
        github=clip(item.identifier("github"), TITLE_LIMIT),
    )
