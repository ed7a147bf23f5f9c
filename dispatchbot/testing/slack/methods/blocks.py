"""The Block Kit limits Slack enforces on the server, with its ``invalid_blocks`` error shape."""

from __future__ import annotations

from typing import Any

from dispatchbot.testing.slack.methods.common import ApiError

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
_HEADER_MAX = 150
_SECTION_MAX = 3000


def _text_of(block: dict[str, Any]) -> str:
    text = block.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return ""


def check_blocks(blocks: Any, max_blocks: int) -> list[dict[str, Any]]:
    """Return the blocks if Slack would accept them, else raise ``invalid_blocks`` with its messages."""
    if blocks is None:
        return []
    problems: list[str] = []
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and "type" in b for b in blocks):
        raise ApiError("invalid_blocks", response_metadata={"messages": ["[ERROR] invalid blocks format"]})
    if len(blocks) > max_blocks:
        problems.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        text = _text_of(block)
        if block["type"] == "header" and len(text) > _HEADER_MAX:
            problems.append(
                f"[ERROR] must be less than 151 characters [json-pointer:/blocks/{index}/text/text]"
            )
        if block["type"] == "section" and len(text) > _SECTION_MAX:
            problems.append(
                f"[ERROR] must be less than 3001 characters [json-pointer:/blocks/{index}/text/text]"
            )
    if problems:
        raise ApiError("invalid_blocks", response_metadata={"messages": problems})
    return blocks
