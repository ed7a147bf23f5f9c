"""`dispatchbot.mrkdwn`: escaping as Slack wants it, markup only from our own ids and URLs, and a
check over the whole package that nothing makes `Mrkdwn` out of text that was not escaped."""

from __future__ import annotations

import ast
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

import dispatchbot
from dispatchbot.blocks.incidents import documents, timeline
from dispatchbot.domain import TimelineEvent
from dispatchbot.mrkdwn import (
    Mrkdwn,
    channel,
    escape,
    link,
    localized,
    md,
    mention,
    mentions,
    trusted,
    unescape,
)
from tests.support.escaping import HOSTILE, unescaped

PACKAGE = Path(dispatchbot.__file__).parent

TRUSTED_CALLS = Counter(
    {
        # mrkdwn the services wrote, read back: TimelineRepository.add and the participant writers
        # take Mrkdwn only
        "storage/incidents.py": 1,
        "storage/participants.py": 1,
        # the engage run records an answer built by blocks/oncall/oncall.py and shows it in the last step
        "flows/oncall/engage_oncall.py": 2,
        # a captured message's text: mrkdwn as Slack sent it, its mentions and broadcasts made words
        "blocks/incidents/timeline.py": 1,
    }
)
"""Every place that declares text safe without escaping it, reviewed. A new one must be added here."""


def test_escape_uses_slacks_three_entities_only() -> None:
    assert escape("a & b < c > d \"e\" 'f'") == "a &amp; b &lt; c &gt; d \"e\" 'f'"
    assert unescaped(escape(HOSTILE)) == []
    assert unescape(escape(HOSTILE)) == HOSTILE
    assert unescape(escape("&lt; typed literally")) == "&lt; typed literally"


def test_md_escapes_every_value_but_mrkdwn_and_keeps_format_specs() -> None:
    text = md(
        "*{ref}* {title} by {who} for {cost:,.0f} at {when:%H:%M}",
        ref="INC-1",
        title=HOSTILE,
        who=mention("U123ABC"),
        cost=1234.4,
        when=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    )
    assert isinstance(text, Mrkdwn)
    assert text == f"*INC-1* {escape(HOSTILE)} by <@U123ABC> for 1,234 at 09:30"
    assert Mrkdwn("{x}").format(x="<!here>") == "&lt;!here&gt;"


def test_combining_escapes_what_is_not_mrkdwn_yet() -> None:
    assert Mrkdwn("*a*") + "<!here>" == "*a*&lt;!here&gt;"
    assert "<!here>" + Mrkdwn("*a*") == "&lt;!here&gt;*a*"
    assert Mrkdwn(", ").join([mention("U1AB"), "<@U999>"]) == "<@U1AB>, &lt;@U999&gt;"
    assert isinstance(Mrkdwn("a") + "b", Mrkdwn)


@pytest.mark.parametrize("limit", range(2, 40))
def test_clip_never_cuts_markup_or_an_entity(limit: int) -> None:
    text = md(
        "ab {who} & {when} <#C1234> end",
        who=mention("U0ALICE1"),
        when=localized(datetime.now(UTC), "{time}", "9:30"),
    )
    clipped = text.clip(limit)
    assert isinstance(clipped, Mrkdwn)
    assert len(clipped) <= limit
    body = clipped.removesuffix("…")
    assert body.count("<") == body.count(">")
    assert unescaped(body) == []


def test_markup_helpers_build_markup_only_from_ids_and_urls() -> None:
    assert mention("U0ALICE1") == "<@U0ALICE1>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert channel("C0ABC") == "<#C0ABC>"
    assert channel("general>|<!here") == "general&gt;|&lt;!here"
    assert mentions([]) == "nobody"
    assert (
        link("https://docs.example/d?a=1&b=2", "the <doc>")
        == "<https://docs.example/d?a=1&amp;b=2|the &lt;doc&gt;>"
    )
    assert link("https://x.example/a b|<!here>", "x") == "<https://x.example/a%20b%7C%3C!here%3E|x>"
    assert link("javascript:alert(1)", "<label>") == "&lt;label&gt;"
    assert (
        localized(datetime(2026, 5, 1, tzinfo=UTC), "{time}", "<00:00>")
        == "<!date^1777593600^{time}|&lt;00:00&gt;>"
    )


def test_captured_messages_lose_their_power_to_notify() -> None:
    sent_by_slack = "&lt;b&gt; <@U0BOB002> <!here> <!channel|@channel> <!subteam^S1|@ops> <!subteam^S2>"
    text = timeline.captured_text(sent_by_slack, {"U0BOB002": "Bob <!everyone>"})
    assert text == "&lt;b&gt; @Bob &lt;!everyone&gt; @here @channel @ops @group"


def test_documents_show_mrkdwn_as_it_was_typed() -> None:
    event = TimelineEvent(
        1,
        1,
        "custom",
        md("{who} wrote {typed}", who=mention("U0BOB002"), typed="a < b & c"),
        None,
        datetime.now(UTC),
        {},
    )
    assert documents.timeline_text([event], {"U0BOB002": "Bob"}).endswith("Bob wrote a < b & c")


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_mrkdwn_is_made_from_literals_and_reviewed_trust_only() -> None:
    """`Mrkdwn(...)` and `md(...)` take our own literal text; anything else goes through `md`'s values,
    `escape` or the markup helpers. `trusted(...)` is allowed only where listed above."""
    wrong: list[str] = []
    trusted_calls: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module == "mrkdwn.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in ("Mrkdwn", "md"):
            for call in _calls(tree, name):
                first = call.args[0] if call.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    wrong.append(f"{module}:{call.lineno}: {name}() of something that is not a literal")
        trusted_calls[module] += len(_calls(tree, "trusted"))
    assert wrong == []
    assert +trusted_calls == TRUSTED_CALLS, "a trusted(...) call was added or removed: review it and list it"


def test_mrkdwn_is_never_escaped_twice() -> None:
    ours = md("{who} and {typed}", who=mention("U1AB"), typed="Tom & Jerry")
    assert escape(ours) is ours
    assert md("{x}!", x=ours) == "<@U1AB> and Tom &amp; Jerry!"
    assert trusted(str(ours)) == ours
