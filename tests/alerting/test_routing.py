"""`SignalRouter` remembers which signal an alert belongs to by the values its signals match on; the
choice must stay the one the ordered signals give, for labels, alert fields and after forgetting."""

from __future__ import annotations

from dispatchbot.alert_formats.model import InboundAlert, InboundStatus, Severity
from dispatchbot.alerting import routing
from dispatchbot.alerting.routing import SignalRouter
from dispatchbot.config import Settings


def alert(key: str, title: str = "Disk full", **labels: str) -> InboundAlert:
    return InboundAlert(key, InboundStatus.FIRING, title, Severity.ERROR, labels=labels)


def router() -> SignalRouter:
    signals = [
        {"name": "db", "source": "prometheus", "match": {"team": "db"}, "channel": "#db"},
        {"name": "payments", "match": {"title": "~^Payments"}, "channel": "#payments"},
        {"name": "rest of prometheus", "source": "prometheus", "channel": "#alerts"},
    ]
    sources = [
        {"name": name, "format": "auto", "token": f"{name}-token-0123456789"}
        for name in ("prometheus", "grafana")
    ]
    return SignalRouter(Settings.model_validate({"alert_sources": sources, "signals": signals}))


def test_the_first_matching_signal_wins_every_time() -> None:
    signals = router()
    for attempt in range(3):  # the first time matches, later ones use what was remembered
        assert signals.route("prometheus", alert(f"a{attempt}", team="db")).signal == "db"
        assert signals.route("grafana", alert(f"b{attempt}", team="db")).signal == ""
        assert signals.route("grafana", alert(f"c{attempt}", "Payments slow")).signal == "payments"
        assert signals.route("prometheus", alert(f"d{attempt}", "Payments slow", team="db")).signal == "db"
        assert signals.route("prometheus", alert(f"e{attempt}", team="web")).signal == "rest of prometheus"


def test_choices_stay_right_after_the_router_forgets_them() -> None:
    signals = router()
    titles = [f"Payments {n}" for n in range(routing.REMEMBERED_CHOICES + 5)]  # every title is new
    chosen = [signals.route("grafana", alert(title, title)).signal for title in titles]
    assert chosen == ["payments"] * len(titles)
    assert signals.route("grafana", alert("x", "Disk full")).signal == ""
