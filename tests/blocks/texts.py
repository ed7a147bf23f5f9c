"""What people read in a builder's output, and the check that text typed by someone is shown escaped.

Outputs come in the shapes the builders return: a message `(text, blocks)`, a view, a list of blocks,
one block, or a bare `Mrkdwn` sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dispatchbot.mrkdwn import escape
from tests.support.escaping import HOSTILE, unescaped


def mrkdwn(output: Any) -> list[str]:
    """Every text Slack parses as mrkdwn: a message's `text`, mrkdwn text objects, a bare sentence."""
    if isinstance(output, str):
        return [output]
    if isinstance(output, tuple):
        return [output[0], *mrkdwn(output[1])]
    return [node["text"] for node in _nodes(output) if node.get("type") == "mrkdwn"]


def plain(output: Any) -> list[str]:
    """Every plain_text text (headers, buttons, labels, options): shown as typed, never parsed."""
    found = output[1] if isinstance(output, tuple) else output
    return [node["text"] for node in _nodes(found) if node.get("type") == "plain_text"]


def shown_escaped(output: Any, typed: str = HOSTILE) -> None:
    """`typed` is somewhere in `output` (escaped in mrkdwn, as typed in plain text) and no mrkdwn text
    holds live markup or a bare `&`."""
    texts = mrkdwn(output)
    assert [found for text in texts for found in unescaped(text)] == []
    assert any(escape(typed) in text for text in texts) or any(typed in text for text in plain(output))


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        for item in data.values():
            yield from _nodes(item)
