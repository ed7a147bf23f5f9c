"""What a renderer needs to know besides the blocks: names for ids, the choices of user and channel
selects, and where an element's actions go (the message or view it sits in)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from dispatchbot.sandbox.render.mrkdwn import Names


@dataclass(frozen=True)
class Surface:
    """One rendering of blocks for one viewer. ``container`` becomes ``data-*`` attributes on the
    element holding the blocks (e.g. ``container=message``, ``channel``, ``ts``), which the page's
    script sends back with every action so the server knows what was clicked."""

    names: Names
    container: dict[str, str] = field(default_factory=dict)
    people: tuple[tuple[str, str], ...] = ()
    """(user id, name) of everyone a users_select offers."""
    channels: tuple[tuple[str, str], ...] = ()
    """(channel id, name) of every conversation a conversations/channels select offers."""
    id_prefix: str = "b"
    """Prefix for element ids, unique per surface on the page so `<label for>` points at one element."""

    def container_attributes(self) -> str:
        return data_attributes(self.container)


def data_attributes(values: dict[str, str]) -> str:
    """` data-key="value"` for each entry, escaped; keys use dashes as HTML wants."""
    return "".join(
        f' data-{key.replace("_", "-")}="{html.escape(value, quote=True)}"' for key, value in values.items()
    )
