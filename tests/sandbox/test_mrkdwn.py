"""mrkdwn to HTML: escaped first, then Slack's formatting, mentions by name, links that cannot run script."""

from __future__ import annotations

import pytest

from dispatchbot.sandbox.render.mrkdwn import Names, to_html

NAMES = Names(users={"U1": "Alice Adams"}, channels={"C1": "general"})


@pytest.mark.parametrize(
    ("mrkdwn", "html"),
    [
        ("*bold* and _italic_ and ~gone~", "<strong>bold</strong> and <em>italic</em> and <del>gone</del>"),
        ("run `rm -rf *` now", "run <code>rm -rf *</code> now"),
        ("```a *b*\n<c>```", "<pre>a *b*\n&lt;c&gt;</pre>"),
        ("line one\nline two", "line one<br>line two"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        (
            "<@U1> in <#C1>",
            '<span class="mention">@Alice Adams</span> in '
            '<a class="channel-mention" href="#C1" data-channel="C1">#general</a>',
        ),
        ("<@U9>", '<span class="mention">@U9</span>'),
        ("<#C1|ops>", '<a class="channel-mention" href="#C1" data-channel="C1">#ops</a>'),
        (
            "<https://example.com/a_b_c|the *docs*>",
            '<a href="https://example.com/a_b_c" target="_blank" rel="noopener noreferrer">the *docs*</a>',
        ),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
        (
            ":rotating_light: *INC-1* :party_parrot: `:x:`",
            "🚨 <strong>INC-1</strong> :party_parrot: <code>:x:</code>",
        ),
        (
            "<https://x.test/:x:|:x: link>",
            '<a href="https://x.test/:x:" target="_blank" rel="noopener noreferrer">:x: link</a>',
        ),
    ],
)
def test_formatting(mrkdwn: str, html: str) -> None:
    assert to_html(mrkdwn, NAMES) == html


def test_escaped_before_formatting() -> None:
    html = to_html('&lt;script&gt;alert(1)&lt;/script&gt; &amp; *x* "q"', NAMES)
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <strong>x</strong> &quot;q&quot;"


def test_unknown_sequences_are_shown_as_typed() -> None:
    assert to_html("<script>alert(1)</script>", NAMES) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert to_html("<javascript:alert(1)|click>", NAMES) == "&lt;javascript:alert(1)|click&gt;"


def test_link_urls_are_escaped() -> None:
    assert to_html('<https://x.test/"onmouseover="|x>', NAMES) == (
        '<a href="https://x.test/&quot;onmouseover=&quot;" target="_blank" rel="noopener noreferrer">x</a>'
    )


@pytest.mark.parametrize("special", ["<!channel>", "<!here>", "<!everyone>"])
def test_special_mentions_are_shown_as_text(special: str) -> None:
    html = to_html(f"hey {special}", NAMES)
    name = special.strip("<>!")
    assert html == f'hey <span class="special-mention">@{name}</span>'
